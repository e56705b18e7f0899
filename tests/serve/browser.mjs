// The page in a real browser: Debian's chromium, headless, driven by
// playwright-core. Opens the page, generates text and checks that it arrives
// in pieces while the request runs, stops a long generation with the Stop
// button, runs nearest words and an analogy (English and Korean), hovers the
// map, and writes a screenshot of each view.
//
//   node browser.mjs URL OUTDIR
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, outDir] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "recur-chromium-"));
let failed = false;
// Polls a condition in the page. (page.waitForFunction evaluates a string,
// which the page's Content-Security-Policy forbids, rightly; page.evaluate
// goes through the debugging protocol and is allowed.)
async function until(page, fn, arg, ms = 30000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await page.evaluate(fn, arg)) return;
    await page.waitForTimeout(50);
  }
  throw new Error("timed out waiting for " + fn.toString().slice(0, 120));
}
const ok = (cond, msg) => {
  console.log((cond ? "ok   " : "FAIL ") + msg);
  if (!cond) failed = true;
};

// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  viewport: { width: 1200, height: 900 },
  timeout: 60000,
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(30000);
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith(url)) outside.push(r.url()); });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(url);
  await until(page, () => document.getElementById("model-info").textContent.includes("lstm"));
  ok(true, "page loaded: " + await page.textContent("#model-info"));

  // Generate: the text must grow while the request runs (seen at several lengths).
  await page.fill("#prompt", "ROMEO:");
  await page.fill("#length", "100000"); // over a second of streaming, in pieces --flush-ms apart
  await page.fill("#seed", "7");
  await page.fill("#temperature", "0.8");
  // Every change of the text is recorded in the page, with its time.
  await page.evaluate(() => {
    window.seen = [];
    const out = document.getElementById("output");
    new MutationObserver(() => window.seen.push([performance.now(), out.textContent.length]))
      .observe(out, { characterData: true, childList: true, subtree: true });
  });
  await page.click("#generate");
  await until(page, () => document.getElementById("gen-status").textContent.startsWith("done"), null, 60000);
  const seen = await page.evaluate(() => window.seen);
  const final = await page.evaluate(() => document.getElementById("output").textContent.length);
  const grew = new Set(seen.map((x) => x[1]).filter((n) => n > "ROMEO:".length)).size;
  const span = seen.length ? seen[seen.length - 1][0] - seen[0][0] : 0;
  ok(grew >= 5 && final === "ROMEO:".length + 100000,
     `text streamed in: ${grew} partial lengths over ${span.toFixed(0)} ms on the way to ${final} characters`);
  await page.screenshot({ path: join(outDir, "playground.png") });

  // Stop: a long generation ends when the button is pressed.
  await page.fill("#length", "1000000");
  await page.fill("#seed", "");
  await page.click("#generate");
  await until(page, () => document.getElementById("output").textContent.length > 300);
  await page.click("#stop");
  await until(page, () => document.getElementById("gen-status").textContent.startsWith("stopped"));
  const stopped = await page.evaluate(() => document.getElementById("output").textContent.length);
  await page.waitForTimeout(300);
  const after = await page.evaluate(() => document.getElementById("output").textContent.length);
  ok(stopped < 500000 && after === stopped, `stop button: the text stopped at ${stopped} of 1,000,006 characters`);

  // Word vectors.
  await page.click("#tab-vec");
  await page.fill("#nn-word", "president");
  await page.click("#nn-go");
  await page.waitForSelector("#nn-out li");
  ok((await page.$$("#nn-out li")).length === 10, "nearest words: 10 listed for 'president'");
  await page.fill("#an-a", "king");
  await page.fill("#an-b", "he");
  await page.fill("#an-c", "she");
  await page.click("#an-go");
  await page.waitForSelector("#an-out li");
  const analogy = await page.$$eval("#an-out li", (li) => li.map((x) => x.firstChild.textContent));
  ok(analogy.length === 10 && !analogy.includes("king"), "analogy king - he + she: " + analogy.slice(0, 5).join(", "));
  await page.screenshot({ path: join(outDir, "vectors-english.png") });

  await page.fill("#nn-word", "그는");
  await page.click("#nn-go");
  await until(page, () => /[\uac00-\ud7a3]/.test(document.getElementById("nn-out").textContent));
  const ko = await page.$$eval("#nn-out li", (li) => li.map((x) => x.firstChild.textContent));
  ok(ko.length === 10 && ko.every((w) => /[\uac00-\ud7a3]/.test(w)), "Korean nearest words of 그는: " + ko.slice(0, 5).join(", "));
  await page.fill("#an-a", "그는");
  await page.fill("#an-b", "그");
  await page.fill("#an-c", "그의");
  await page.click("#an-go");
  await until(page, () => /[\uac00-\ud7a3]/.test(document.getElementById("an-out").textContent));
  ok(true, "Korean analogy 그는 - 그 + 그의: " + (await page.$$eval("#an-out li", (li) => li.slice(0, 5).map((x) => x.firstChild.textContent))).join(", "));
  await page.screenshot({ path: join(outDir, "vectors-korean.png") });

  // The map: dots, and hovering one names its word.
  await page.fill("#map-top", "150");
  await page.click("#map-go");
  await until(page, () => document.querySelectorAll("#map circle").length === 150, null, 60000);
  await page.locator("#map-wrap").scrollIntoViewIfNeeded();
  // A dot no other dot covers (words can land on top of one another).
  const free = await page.$$eval("#map circle", (cs) =>
    cs.findIndex((c) => {
      const r = c.getBoundingClientRect();
      return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === c;
    }));
  ok(free >= 0, "map: a dot is uncovered");
  const dot = (await page.$$("#map circle"))[free];
  const word = await dot.getAttribute("data-word");
  await dot.hover();
  await page.waitForSelector("#map-tip", { state: "visible" });
  ok((await page.textContent("#map-tip")) === word, `map: 150 dots; hovering one shows '${word}'`);
  await page.locator("#map-wrap").screenshot({ path: join(outDir, "map.png") });

  ok(outside.length === 0, "the page asked for nothing outside the server" + (outside.length ? ": " + outside : ""));
  ok(errors.length === 0, "no script errors" + (errors.length ? ": " + errors.join("; ") : ""));
} catch (e) {
  ok(false, "browser test: " + e);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
