"""Add agentassist_conform.c to libpjsua in an unpacked pjproject tree (run from its root by build-pjsua2.sh).

- pjsip/build/Makefile: agentassist_conform.o joins PJSUA_LIB_OBJS;
- pjsua_core.c: pjsua_init() registers the module right after pjsua's own one;
- pjsua.h: pjsua_call_info keeps the Call-ID in a buffer of PJSIP_MAX_URL_SIZE instead of 128 bytes, so
  every Call-ID the module lets in (AGENTASSIST_SIP_ID_MAX = PJSIP_MAX_URL_SIZE - 1) is kept whole; pjsua
  cut a longer one to 127 characters without a word.

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
