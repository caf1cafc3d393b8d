#!/usr/bin/env python3
"""Reference scores of the lexical floor (issue #12) on the shared datasets, for LexicalReferenceScoresTests.

Run with Debian's Python (apt-get install python3-sklearn python3-scipy; scikit-learn 1.2.1, SciPy 1.10.1):

    /usr/bin/python3 tools/generate_lexical_references.py ../shared/data > tests/LlmEmbed.Tests/Evaluation/Lexical/lexical_references.json

TF-IDF: sklearn.feature_extraction.text.TfidfVectorizer(sublinear_tf=True) (word) and
TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True) (char), fitted on sentence1 + sentence2
of the evaluated pairs (in that order, repeats included); main score = Spearman (scipy.stats.spearmanr) of the gold
scores against the cosine of the two rows (rows are L2-normalised, so cosine = dot).

BM25 (k1 0.9, b 0.4, Lucene idf ln(1 + (N - df + 0.5) / (df + 0.5)), each distinct query term once, tokens
re.findall(r"\\w+", text.lower())), documents (title + " " + text).strip(); every document is ranked, including one
whose id equals the query id (no registry task sets ignore_identical_ids); nDCG@10 as trec_eval (ties by doc id descending).
"""
import collections, json, math, re, sys

from scipy.stats import spearmanr
from sklearn.feature_extraction.text import TfidfVectorizer

root = sys.argv[1]


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sts(rows, **options):
    s1 = [r["sentence1"] for r in rows]
    s2 = [r["sentence2"] for r in rows]
    vectorizer = TfidfVectorizer(sublinear_tf=True, **options).fit(s1 + s2)
    a, b = vectorizer.transform(s1), vectorizer.transform(s2)
    cosine = a.multiply(b).sum(axis=1).A1
    return float(spearmanr([r["score"] for r in rows], cosine).correlation)


def bm25_ndcg10(name, k1=0.9, b=0.4):
    folder = f"{root}/retrieval/{name}"
    corpus = read(f"{folder}/corpus.jsonl")
    queries = {q["_id"]: q["text"] for q in read(f"{folder}/queries.jsonl")}
    qrels = collections.defaultdict(dict)
    with open(f"{folder}/qrels/test.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            q, d, s = line.rstrip("\n").split("\t")
            qrels[q][d] = int(s)
    tokens = lambda t: re.findall(r"\w+", t.lower())
    docs = [tokens((d.get("title", "") + " " + d["text"]).strip()) for d in corpus]
    ids = [d["_id"] for d in corpus]
    n, avg = len(docs), sum(map(len, docs)) / len(docs)
    postings = collections.defaultdict(list)
    for i, t in enumerate(docs):
        for w, c in collections.Counter(t).items():
            postings[w].append((i, c))
    total = []
    for q, judged in qrels.items():
        if q not in queries:
            continue
        scores = collections.defaultdict(float)
        for w in dict.fromkeys(tokens(queries[q])):
            idf = math.log(1 + (n - len(postings[w]) + 0.5) / (len(postings[w]) + 0.5)) if w in postings else 0
            for i, c in postings.get(w, []):
                scores[i] += idf * c * (k1 + 1) / (c + k1 * (1 - b + b * len(docs[i]) / avg))
        ranked = sorted(((scores.get(i, 0.0), ids[i]) for i in range(n)),
                        key=lambda x: (-x[0], [-ord(ch) for ch in x[1]]))[:10]
        dcg = sum(judged.get(d, 0) / math.log2(r + 2) for r, (_, d) in enumerate(ranked) if judged.get(d, 0) > 0)
        ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
        idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
        total.append(dcg / idcg if idcg > 0 else 0.0)
    return sum(total) / len(total)


sts_splits = {t: "test" for t in ["STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark"]}
sts_splits["SICK-R"] = "train+test"
out = {"tfidf-word": {}, "tfidf-char": {}, "bm25": {}}
for task, split in sts_splits.items():
    rows = [r for part in split.split("+") for r in read(f"{root}/sts/{task}/{part}.jsonl")]
    out["tfidf-word"][f"{task}/{split}"] = sts(rows)
    out["tfidf-char"][f"{task}/{split}"] = sts(rows, analyzer="char_wb", ngram_range=(2, 4))
test_only = read(f"{root}/sts/SICK-R/test.jsonl")
out["tfidf-word"]["SICK-R/test"] = sts(test_only)
out["tfidf-char"]["SICK-R/test"] = sts(test_only, analyzer="char_wb", ngram_range=(2, 4))
for name in ["SciFact", "Cranfield"]:
    out["bm25"][f"{name}/test"] = bm25_ndcg10(name)
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
