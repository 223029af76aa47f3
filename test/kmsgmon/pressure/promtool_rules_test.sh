#!/bin/sh
# promtool_rules_test.sh RULES_DIR: checks packaging/prometheus/faultline-alerts.yml and runs its
# unit tests (faultline-alerts.test.yml) with promtool from Debian's prometheus package.
set -eu
dir=$1
if ! command -v promtool >/dev/null 2>&1; then
    echo "SKIP: promtool not installed (Debian package 'prometheus'; packaging/install-deps.sh --test)"
    exit 77
fi
cd "$dir"
promtool check rules faultline-alerts.yml
promtool test rules faultline-alerts.test.yml
