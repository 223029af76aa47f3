# Sourced by the static-binary tests: sets `dir` to the directory holding the static binaries
# and `built` to 1 when this run built them. They come from FAULTLINE_STATIC_DIR when set;
# otherwise packaging/build-static.sh runs (sources fetched once, build tree reused:
# FAULTLINE_STATIC_BUILDDIR, default <source root>/build-static; it takes a lock, so tests
# sharing the tree wait for one build) and its dist/ is used. Exits 77 in a sanitizer build
# (FAULTLINE_SANITIZE != none: the static build runs once per suite, in the plain pass).
source_root=${FAULTLINE_SOURCE_ROOT:?FAULTLINE_SOURCE_ROOT (meson passes the source root)}
dir=${FAULTLINE_STATIC_DIR:-}
built=0
if [ -z "$dir" ]; then
    if [ "${FAULTLINE_SANITIZE:-none}" != none ]; then
        echo "SKIP: sanitizer build (${FAULTLINE_SANITIZE}); the static binaries are checked once, in the plain build"
        exit 77
    fi
    builddir=${FAULTLINE_STATIC_BUILDDIR:-$source_root/build-static}
    "$source_root/packaging/build-static.sh" --builddir "$builddir" ||
        { echo "FAIL: packaging/build-static.sh failed" >&2; exit 1; }
    dir=$builddir/dist
    built=1
fi
