#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turn the trampoline ELF into a C array: embed.py INPUT OUTPUT."""
import sys

data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "w") as f:
    f.write("/* Generated from the trampoline ELF by embed.py; do not edit. */\n")
    f.write("static const unsigned char trampoline_elf[] = {\n")
    for i in range(0, len(data), 12):
        f.write("        " + ", ".join(f"0x{b:02x}" for b in data[i:i + 12]) + ",\n")
    f.write("};\n")
