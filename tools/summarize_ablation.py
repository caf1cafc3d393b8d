#!/usr/bin/env python3
"""Prints the ablation table (docs/ablation.md) from runs/ablation/POINT/{result.json,eval/*.json}.

Usage: tools/summarize_ablation.py [runs/ablation]
Main scores: Spearman (STS), nDCG@10 (retrieval), test split. A point with missing tasks shows '—' there.
"""
import json
import pathlib
import sys

STS = ["STS12", "STS13", "STS14", "STS15", "STS16", "STSBenchmark"]
RETRIEVAL = ["SciFact", "Cranfield"]


def main_score(path):
    data = json.loads(path.read_text())
    return data["scores"]["test"][0]["main_score"]


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "runs/ablation")
    print("| point | train s | " + " | ".join(STS) + " | STS mean | SciFact | Cranfield |")
    print("|---" * (len(STS) + 5) + "|")
    for point in sorted(p for p in root.iterdir() if (p / "eval").is_dir()):
        scores = {t: main_score(point / "eval" / f"{t}.json") for t in STS + RETRIEVAL if (point / "eval" / f"{t}.json").exists()}
        result = json.loads((point / "result.json").read_text()) if (point / "result.json").exists() else {}
        elapsed = result.get("Elapsed")  # "hh:mm:ss.fffffff" (TimeSpan); training time, all resumed segments
        seconds = None
        if elapsed:
            h, m, s = elapsed.split(":")
            seconds = round(int(h) * 3600 + int(m) * 60 + float(s))
        sts = [scores[t] for t in STS if t in scores]
        mean = f"{sum(sts) / len(sts):.3f}" if len(sts) == len(STS) else "—"
        cells = [f"{scores[t]:.3f}" if t in scores else "—" for t in STS + RETRIEVAL]
        print(f"| {point.name} | {seconds if seconds is not None else '—'} | " + " | ".join(cells[:len(STS)]) + f" | {mean} | " + " | ".join(cells[len(STS):]) + " |")


if __name__ == "__main__":
    main()
