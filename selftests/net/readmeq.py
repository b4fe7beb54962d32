#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""readmeq.py README ENGINE DIR - writes the README's example queries for
ENGINE (sqlite or clickhouse) to DIR/NAME.sql, one file each, and prints
their names: the tests run the README's own text."""
import os
import re
import sys

readme, engine, out = sys.argv[1:4]
text = open(readme).read()
names = []
for m in re.finditer(r"<!-- query: (\S+) ([^>]*?) -->\n```sql\n(.*?)```", text, re.S):
    name, engines, sql = m.group(1), m.group(2).split(), m.group(3)
    if engine not in engines:
        continue
    with open(os.path.join(out, name + ".sql"), "w") as f:
        f.write(sql)
    names.append(name)
if not names:
    sys.exit("readmeq.py: no %s queries in %s" % (engine, readme))
print("\n".join(names))
