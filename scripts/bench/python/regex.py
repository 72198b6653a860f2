"""Regular expressions: a generated log scanned with several patterns (alternation, groups,
backreferences, sub with a function), as pyperformance's regex programs do. Argument: rounds."""
import re
import sys

PATTERNS = [
    re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})"),
    re.compile(r"\b(GET|POST|PUT|DELETE)\s+(/[\w/.-]*)"),
    re.compile(r"(\w+)@(\w+)\.(com|org|net)"),
    re.compile(r"\b(\w+)\s+\1\b"),
    re.compile(r"status=(?P<code>[245]\d\d)(?:\s+ms=(?P<ms>\d+))?"),
]


def log(seed, lines):
    verbs = ["GET", "POST", "PUT", "DELETE", "HEAD"]
    out = []
    for i in range(lines):
        k = (seed * 31 + i * 17) % 997
        out.append("10.%d.%d.%d - %s /api/v%d/items/%d user%d@host%d.%s status=%d ms=%d the the end"
                   % (k % 256, i % 256, (k * i) % 256, verbs[k % 5], k % 3, k, i % 50, k % 9,
                      ("com", "org", "net", "io")[k % 4], (200, 404, 500, 301)[k % 4], k))
    return "\n".join(out)


if __name__ == "__main__":
    found = 0
    for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        text = log(r, 400)
        for p in PATTERNS:
            found += sum(1 for _ in p.finditer(text))
        found += len(re.sub(r"(\d+)", lambda m: str(int(m.group(1)) % 10), text))
        found += len(re.split(r"[\s=]+", text))
    print("regex", found)
