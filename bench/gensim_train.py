"""Train gensim 4 Word2Vec on a sentence file for the flow2vec training benchmark.

Usage: gensim_train.py SENTENCES VECTORS SETTINGS_JSON

SENTENCES has one sentence per line, tokens separated by spaces. The vectors are written in
word2vec text format to VECTORS. One JSON line goes to stdout: the seconds spent in
Word2Vec.train(), which excludes reading the corpus and building the vocabulary.
"""

import json
import sys
import time

from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence


def main() -> None:
    sentences_path, vectors_path, settings_json = sys.argv[1:4]
    settings = json.loads(settings_json)
    sentences = LineSentence(sentences_path)
    model = Word2Vec(
        sg=1 if settings["architecture"] == "skipgram" else 0,
        hs=0,
        vector_size=settings["vectorSize"],
        window=settings["window"],
        negative=settings["negative"],
        ns_exponent=settings["nsExponent"],
        sample=settings["sample"],
        min_count=settings["minCount"],
        alpha=settings["alpha"],
        min_alpha=settings["minAlpha"],
        workers=settings["workers"],
        seed=settings["seed"],
    )
    model.build_vocab(corpus_iterable=sentences)

    started = time.perf_counter()
    model.train(
        corpus_iterable=sentences,
        total_examples=model.corpus_count,
        total_words=model.corpus_total_words,
        epochs=settings["epochs"],
    )
    seconds = time.perf_counter() - started

    model.wv.save_word2vec_format(vectors_path)
    print(json.dumps({"trainingSeconds": seconds, "vocabularySize": len(model.wv)}))


if __name__ == "__main__":
    main()
