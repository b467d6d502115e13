"""Add agentassist_conform.c to libpjsua in an unpacked pjproject tree (run from its root by build-pjsua2.sh).

- pjsip/build/Makefile: agentassist_conform.o joins PJSUA_LIB_OBJS;
- pjsua_core.c: pjsua_init() registers the module right after pjsua's own one;
- pjsua.h: pjsua_call_info keeps the Call-ID in a buffer of PJSIP_MAX_URL_SIZE instead of 128 bytes, so
  every Call-ID the module lets in (AGENTASSIST_SIP_ID_MAX = PJSIP_MAX_URL_SIZE - 1) is kept whole; pjsua
  cut a longer one to 128 characters without a word;
- sip_parser.c: an URI of an unknown scheme skips the whitespace after it like every other URI, so a
  request line "OPTIONS foo:bar SIP/2.0" parses and the module can answer 416; pjsip dropped it as a
  syntax error in the request line (the scanner stood on the space before "SIP/2.0").

Each edit fails loudly when its anchor is not found exactly once (a newer pjproject moved it).
"""

import sys
from pathlib import Path


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if text.count(old) != 1:
        sys.exit(f"{path}: expected {old!r} once, found it {text.count(old)} times")
    path.write_text(text.replace(old, new))


root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
replace_once(root / "pjsip/build/Makefile", "pjsua_dump.o ", "pjsua_dump.o agentassist_conform.o ")
registration = "status = pjsip_endpt_register_module(pjsua_var.endpt, &pjsua_var.mod);\n"
replace_once(
    root / "pjsip/src/pjsua-lib/pjsua_core.c",
    registration,
    registration + "        if (status == PJ_SUCCESS)\n"
    "            status = agentassist_conform_register(pjsua_var.endpt);\n",
)
replace_once(
    root / "pjsip/src/pjsua-lib/pjsua_core.c",
    '#define THIS_FILE   "pjsua_core.c"',
    'PJ_DECL(pj_status_t) agentassist_conform_register(pjsip_endpoint *endpt);\n#define THIS_FILE   "pjsua_core.c"',
)
replace_once(root / "pjsip/include/pjsua-lib/pjsua.h", "char    call_id[128];", "char    call_id[PJSIP_MAX_URL_SIZE];")
replace_once(
    root / "pjsip/src/pjsip/sip_parser.c",
    "    pj_scan_get(scanner, &pc->pjsip_OTHER_URI_CONTENT, &uri->content);\n    scanner->skip_ws = skip_ws;\n",
    "    pj_scan_get(scanner, &pc->pjsip_OTHER_URI_CONTENT, &uri->content);\n    scanner->skip_ws = skip_ws;\n"
    "    if (skip_ws)\n        pj_scan_skip_whitespace(scanner);\n",
)
