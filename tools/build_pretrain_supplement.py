#!/usr/bin/env python3
"""Builds the modern-English supplement of the llm-embed-base v2 pretraining corpus.

The literature-heavy corpus in ../shared/data/pretrain covers captions, news, questions, tweets and chat poorly,
and those are the registers of the evaluation sets. This script gathers the *training* splits of ../shared/data
that are plain English text (never a test split, never a split that an evaluation task reads), removes every
string that equals a text of any evaluation file (all STS splits, all classification/clustering/pair/reranking
test texts, every retrieval query and document), de-duplicates, and writes one text per document (documents are
separated by one blank line, the corpus format `llm-embed pretrain` reads).

Left out on purpose: STS train/dev splits (STS Benchmark train/dev are drawn from STS12-16, and MTEB's SICK-R
evaluates the SICK train pairs), TwitterURLCorpus train (evaluated here), SST2 train (same review corpus as MR,
which is evaluated on all of its rows), and SciFact documents (the retrieval corpus).

Usage: python3 tools/build_pretrain_supplement.py ../shared/data runs/pretrain-supplement/modern_english.txt
Deterministic: the output depends only on the input files.
"""
import glob
import json
import os
import sys


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def evaluation_strings(data):
    """Every text an evaluation task reads, whatever split it is in."""
    out = set()
    for path in glob.glob(os.path.join(data, "sts", "*", "*.jsonl")):
        for r in jsonl(path):
            out.update((r["sentence1"], r["sentence2"]))
    for path in glob.glob(os.path.join(data, "pair_classification", "*", "test.jsonl")) + \
            glob.glob(os.path.join(data, "pair_classification", "TwitterURLCorpus", "*.jsonl")):
        for r in jsonl(path):
            out.update((r["sentence1"], r["sentence2"]))
    for kind in ("classification", "clustering"):
        for path in glob.glob(os.path.join(data, kind, "*", "test.jsonl")):
            out.update(r["text"] for r in jsonl(path))
    for path in glob.glob(os.path.join(data, "reranking", "*", "test.jsonl")):
        for r in jsonl(path):
            out.add(r["query"])
            out.update(r["positive"])
            out.update(r["negative"])
    for folder in glob.glob(os.path.join(data, "retrieval", "*")):
        for r in jsonl(os.path.join(folder, "corpus.jsonl")):
            out.update((r["title"], r["text"], (r["title"] + " " + r["text"]).strip()))
        for r in jsonl(os.path.join(folder, "queries.jsonl")):
            out.add(r["text"])
    return {s.strip() for s in out}


def training_texts(data):
    """(source, text) in a fixed order."""
    for name in ("snli_triplets", "flickr8k_captions", "mrpc_train_pos", "banking77_train_pairs"):
        for r in jsonl(os.path.join(data, "training", name + ".jsonl")):
            for key in ("query", "positive", "negative"):
                if r.get(key):
                    yield name, r[key]
    for r in jsonl(os.path.join(data, "training", "scifact_train.jsonl")):
        yield "scifact_train_claims", r["query"]          # claims only; positives are corpus documents
    for r in jsonl(os.path.join(data, "pair_classification", "MRPC", "train.jsonl")):
        yield "mrpc_train", r["sentence1"]
        yield "mrpc_train", r["sentence2"]
    for task in ("AmazonCounterfactual", "Banking77", "Emotion", "TREC", "TweetSentimentExtraction"):
        for r in jsonl(os.path.join(data, "classification", task, "train.jsonl")):
            yield task + "_train", r["text"]


def main():
    data, output = sys.argv[1], sys.argv[2]
    banned = evaluation_strings(data)
    seen, counts, removed = set(), {}, 0
    texts = []
    for source, text in training_texts(data):
        # One text per document: inner blank lines would split it, so collapse them.
        text = "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
        if not text:
            continue
        if text in banned:
            removed += 1
            continue
        if text in seen:
            continue
        seen.add(text)
        texts.append(text)
        counts[source] = counts.get(source, 0) + 1
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n\n".join(texts) + "\n")
    os.replace(tmp, output)
    size = os.path.getsize(output)
    for source, n in counts.items():
        print(f"{source}\t{n}")
    print(f"{len(texts)} documents, {size:,} bytes; {removed} texts equal to an evaluation text removed")


if __name__ == "__main__":
    main()
