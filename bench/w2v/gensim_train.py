#!/usr/bin/python3
"""Trains gensim's Word2Vec with the flags of bench/w2v/run.sh and writes
word2vec binary vectors, so that recur's own analogy and similarity commands
score it exactly as they score recur.

gensim is fed the corpus as a list of SENTENCE-word sentences (1,000 by
default): its corpus_file mode reads a one-line file as a single sentence and
ran 2.4x slower with lower accuracy, and a Python generator over the file costs
more than the list. Prints one line:
  gensim: W words in S s: R words/s/thread
where W counts the corpus words read (iter x words, as recur reports it).

  gensim_train.py CORPUS OUT.bin THREADS SEED [ITER] [SENTENCE]
"""
import sys
import time

from gensim.models import Word2Vec


def main():
    corpus, out, threads, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    sentence = int(sys.argv[6]) if len(sys.argv) > 6 else 1000
    with open(corpus, encoding="utf-8") as f:
        words = f.read().split()
    sentences = [words[i:i + sentence] for i in range(0, len(words), sentence)]
    model = Word2Vec(vector_size=100, window=5, negative=5, hs=0, sg=1, min_count=5,
                     sample=1e-3, workers=threads, seed=seed, epochs=epochs)
    model.build_vocab(sentences)
    t0 = time.monotonic()
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
    seconds = time.monotonic() - t0
    model.wv.save_word2vec_format(out, binary=True)
    done = epochs * len(words)
    print(f"gensim: {done} words in {seconds:.1f} s: {done / seconds / threads:.0f} words/s/thread")


if __name__ == "__main__":
    main()
