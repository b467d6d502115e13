#!/usr/bin/env bash
# Make the two sides of the README's first call (examples/first-call/agent.wav and customer.wav) with
# espeak-ng and sox: each line at its second of the call, so the two WAVs, played from the answer on,
# take turns. The agent says the lines of scripts/helpdesk-basic.yaml; the customer asks a price (its card).
set -euo pipefail
out=${1:-examples/first-call}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# espeak-ng's en-us at 130 words a minute is the voice tiny.en hears best (8 of the greeting's 10 words);
# the spaces in the last line are pauses: without them it is heard as "...I can tell you will donate"
side() {  # side NAME VOICE [SECOND TEXT]...
  local name=$1 voice=$2 parts=()
  shift 2
  while [ $# -gt 0 ]; do
    espeak-ng -v "$voice" -s 130 -w "$tmp/line.wav" "$2"
    sox -D "$tmp/line.wav" -r 8000 -c 1 -b 16 "$tmp/$name-$1.wav" pad "$1"  # -D: no dither, the same bytes each time
    parts+=(-v 1 "$tmp/$name-$1.wav")
    shift 2
  done
  sox -D -m "${parts[@]}" "$out/$name.wav"
}
side agent en-us \
  0.5 "Thank you for calling Example Corp, my name is Alex." \
  11 "This call is recorded for quality and training purposes." \
  15 "Can I have your name and account number, please?" \
  27 "Thank you, Sam. Premium is twenty five euros a month." \
  31.5 "Is there anything   else   I can help you   with today?"
side customer en-gb \
  5 "Hi Alex. I would like to upgrade my internet. How much is the premium plan?" \
  20 "Sure. My name is Sam Jones, and my account number is four four seven one two." \
  36 "No, thank you. Goodbye."
