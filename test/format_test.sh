#!/bin/sh
# format_test.sh SOURCE_ROOT: every tracked C++ file outside subprojects/ (and the vendored
# Catch2 header) is formatted as the repository's .clang-format says. Fails naming the files
# (fix with: clang-format -i FILE...). Skips (77) when clang-format or git is not installed.
set -u
root=${1:?usage: format_test.sh SOURCE_ROOT}
cd "$root" || exit 1
for tool in clang-format git; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "SKIP: $tool is not installed (package ${tool})"; exit 77; }
done
git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "SKIP: $root is not a git checkout (the file list comes from git ls-files)"; exit 77; }
files=$(git ls-files -- '*.cpp' '*.hpp' ':!:subprojects/*' ':!:test/support/catch.hpp')
[ -n "$files" ] || { echo "FAIL: no C++ files found under $root"; exit 1; }
bad=
for f in $files; do
    [ -f "$f" ] || continue  # deleted in the work tree, not yet committed
    clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
    echo "FAIL: not clang-format clean (run clang-format -i on them):"
    for f in $bad; do echo "  $f"; done
    exit 1
fi
echo "ok: $(echo "$files" | wc -l) files are clang-format clean ($(clang-format --version))"
