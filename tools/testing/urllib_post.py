"""POST a body of N zero bytes with Python's urllib (sends the whole body, then reads the answer); print JSON."""
import json
import sys
import urllib.error
import urllib.request

url, size, content_type = sys.argv[1], int(sys.argv[2]), sys.argv[3]
req = urllib.request.Request(url, data=bytes(size), method="POST", headers={"Content-Type": content_type})
try:
    with urllib.request.urlopen(req, timeout=120) as res:
        out = {"status": res.status, "headers": dict(res.headers), "body": res.read().decode("utf-8", "replace")}
except urllib.error.HTTPError as err:
    out = {"status": err.code, "headers": dict(err.headers), "body": err.read().decode("utf-8", "replace")}
except OSError as err:
    out = {"status": 0, "headers": {}, "body": f"{type(err).__name__}: {err}"}
print(json.dumps(out))
