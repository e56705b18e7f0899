"""Where the package finds librecur: RECUR_LIBRARY, the build tree (running
from a checkout), the prefix of `cmake --install`, and `pip install` of
python/ offline."""
import os
import shutil
import subprocess
import sys

import pytest

import recur
from conftest import BUILD, CHECKOUT

PKG_PARENT = os.path.join(CHECKOUT, "python")


def run_python(code, cwd, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("RECUR_LIBRARY", "PYTHONPATH")}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    r = subprocess.run([sys.executable, "-c", code], cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return r.returncode, r.stdout.decode().strip(), r.stderr.decode()


def test_loaded_library_is_the_one_asked_for():
    if os.environ.get("RECUR_LIBRARY"):
        assert os.path.samefile(recur.library_path, os.environ["RECUR_LIBRARY"])


@pytest.mark.skipif(not os.path.exists(os.path.join(CHECKOUT, "build", "librecur.so")),
                    reason="no build/ in the checkout")
def test_runs_from_the_build_tree(tmp_path):
    rc, out, err = run_python("import recur; print(recur.library_path)", tmp_path, PYTHONPATH=PKG_PARENT)
    assert rc == 0, err
    assert os.path.samefile(out, os.path.join(CHECKOUT, "build", "librecur.so"))


def test_cmake_install(tmp_path, char_model_path):
    if not shutil.which("cmake") or not os.path.exists(os.path.join(BUILD, "cmake_install.cmake")):
        pytest.skip("no cmake build directory")
    prefix = tmp_path / "prefix"
    r = subprocess.run(["cmake", "--install", BUILD, "--prefix", str(prefix)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr.decode()
    found = [os.path.join(d, "recur") for d, dirs, _ in os.walk(prefix) if "recur" in dirs and
             os.path.exists(os.path.join(d, "recur", "__init__.py"))]
    assert len(found) == 1
    site = os.path.dirname(found[0])
    code = "import recur; print(recur.library_path); print(recur.Model.load(%r).generate('R', length=5))" % str(
        char_model_path)
    rc, out, err = run_python(code, tmp_path, PYTHONPATH=site)
    assert rc == 0, err
    lib_path = out.splitlines()[0]
    assert lib_path.startswith(str(prefix)) and os.path.exists(lib_path)


def test_pip_install_offline(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        pytest.skip("no pip for %s" % sys.executable)
    src = tmp_path / "src"
    shutil.copytree(PKG_PARENT, src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps",
                        "--target", str(target), str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, PIP_NO_INPUT="1"))
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert os.path.exists(target / "recur" / "__init__.py")
    rc, out, err = run_python("import recur; print(recur.library_path)", tmp_path, PYTHONPATH=str(target),
                              RECUR_LIBRARY=recur.library_path)
    assert rc == 0, err
    assert os.path.samefile(out, recur.library_path)
