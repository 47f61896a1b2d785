#!/bin/sh
# One report's whole life from the command line, on the demo data.
set -eu
T="$1"
run() { printf '\n$ tanggap %s\n' "$*"; "$T" "$@"; }
printf '\n$ tanggap report submit --description "Jalan berlubang di depan Pasar Oeba" --category jalan-rusak --lat -10.1587 --long 123.5918\n'
ID=$("$T" report submit --description "Jalan berlubang di depan Pasar Oeba" --category jalan-rusak \
  --lat -10.1587 --long 123.5918)
echo "$ID"
run report advance "$ID" classify --actor dispatch.yuliana --category jalan-rusak
run report advance "$ID" assign --actor dispatch.yuliana --officer pupr.yohanes
run report advance "$ID" respond --actor pupr.yohanes --response "Lubang sudah ditambal tim reaksi cepat"
run report advance "$ID" close --actor citizen
run report show "$ID"
