"""JSON round trips: nested records dumped and loaded again, pretty-printed and compact, sorted
keys (the C accelerator and the pure-Python encoder both run). Argument: rounds."""
import json
import sys


def document(seed):
    rows = []
    for i in range(200):
        k = (seed * 7919 + i * 104729) % 100003
        rows.append({
            "id": k,
            "name": "item-%d" % k,
            "price": k / 7.0,
            "tags": ["t%d" % (k % 13), "u%d" % (k % 7), None, k % 2 == 0],
            "nested": {"a": [k, k + 1, {"deep": "é✓\n\"q\""}], "b": -k},
        })
    return {"seed": seed, "rows": rows}


if __name__ == "__main__":
    total = 0
    for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        doc = document(r)
        text = json.dumps(doc, sort_keys=True)
        pretty = json.dumps(doc, indent=2, ensure_ascii=False)
        assert json.loads(text) == doc and json.loads(pretty) == doc
        total += len(text) + len(pretty)
    print("json", total)
