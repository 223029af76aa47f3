#!/usr/bin/env bash
# Builds the faultline executables (the three programs and faultline-tail) fully static, stripped, into <builddir>/dist.
#
# Debian ships no static archives of cpp-httplib, simdjson, fmt and nats.c, so this fetches
# their Debian sources with `apt-get source` (a machine that reaches only Debian's repositories
# is enough), places them as meson subprojects under the directory names the wraps in
# subprojects/ use, and builds with `-Dstatic=true` (nats.c through its own CMake build, TLS
# linked against Debian's static OpenSSL). The deb-src entries are derived from the
# machine's own apt sources (same URIs, suites, components, keys) and kept with a private
# apt state under <builddir>-deps/: /etc/apt and /var/lib/apt are never touched.
#
# A second run reuses the sources and the build tree and only rebuilds what changed.
# Needs: packaging/install-deps.sh --static (compiler, meson, cmake, libssl-dev, dpkg-dev, file,
# binutils).
# Prints each binary's stripped size; the binaries land in <builddir>/dist/.
#
# Usage: packaging/build-static.sh [--builddir DIR] [--jobs N] [--sources-only]
#                                  [--no-nats | --nats-required]
#   --builddir DIR   meson build directory (default: build-static; env FAULTLINE_STATIC_BUILDDIR)
#   --jobs N         parallel compile jobs (default: 2; env FAULTLINE_STATIC_JOBS)
#   --sources-only   only place the Debian sources under subprojects/ (test/run.sh's
#                    ThreadSanitizer pass compiles cpp-httplib from them) and stop
#   --no-nats        neither fetch nor build nats.c: cdp-proxy --nats then exits 2 saying so
#                    (env FAULTLINE_STATIC_NATS=0). By default (auto) nats.c is built when
#                    its source can be fetched, else the script says so and leaves NATS out
#   --nats-required  fail when nats.c's source cannot be had (env FAULTLINE_STATIC_NATS=1)
# Exit codes: 0 built; 1 a step failed (the message says which); 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
builddir=${FAULTLINE_STATIC_BUILDDIR:-build-static}
jobs=${FAULTLINE_STATIC_JOBS:-2}
sources_only=0
nats=${FAULTLINE_STATIC_NATS:-auto}  # auto: NATS when nats.c's source can be had
while [ $# -gt 0 ]; do
    case "$1" in
        --builddir) builddir=${2:?--builddir needs a directory}; shift 2 ;;
        --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
        --sources-only) sources_only=1; shift ;;
        --no-nats) nats=0; shift ;;
        --nats-required) nats=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "build-static.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$builddir" in /*) ;; *) builddir=$root/$builddir ;; esac
deps=$builddir-deps              # apt state, downloaded source packages
dist=$builddir/dist
programs=(kmsgmon/kmsgmon supervisord-shim/supervisord-shim cdp-proxy/cdp-proxy cdp-proxy/faultline-tail)
# Debian source package for each wrap in subprojects/.
declare -A source_of=([fmt]=fmtlib [simdjson]=simdjson [cpp-httplib]=cpp-httplib)
[ "$nats" = 0 ] || source_of[nats.c]=nats.c

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'build-static.sh: %s\n' "$*" >&2; exit 1; }

# Prints the `directory =` of subprojects/<name>.wrap.
wrap_dir() {
    local d
    d=$(sed -n 's/^directory *= *//p' "subprojects/$1.wrap")
    [ -n "$d" ] || die "subprojects/$1.wrap has no 'directory ='"
    printf '%s\n' "$d"
}

# Prints deb-src entries mirroring every enabled deb entry of the machine's apt sources:
# deb822 stanzas (*.sources) and one-line entries (sources.list, *.list), as deb822.
derive_deb_src() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             {
                 types = ""; enabled = 1
                 for (i = 1; i <= NF; i++) {
                     if (tolower($i) ~ /^types:/) types = $i
                     if (tolower($i) ~ /^enabled: *no/) enabled = 0
                 }
                 if (!enabled || types !~ /[: \t]deb([ \t]|$)/) next
                 for (i = 1; i <= NF; i++) {
                     if (tolower($i) ~ /^types:/) print "Types: deb-src"
                     else if ($i !~ /^#/) print $i
                 }
                 print ""
             }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" {
                 opts = ""; i = 2
                 if ($2 ~ /^\[/) {      # [ key=value ... ] options
                     for (; i <= NF; i++) { opts = opts " " $i; if ($i ~ /\]$/) { i++; break } }
                     gsub(/^ *\[ *| *\] *$/, "", opts)
                 }
                 uri = $i; suite = $(i + 1); comps = ""
                 for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
                 print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite
                 if (comps != "") print "Components:" comps
                 n = split(opts, kv, " ")
                 for (k = 1; k <= n; k++) {
                     split(kv[k], p, "=")
                     if (p[1] == "signed-by") print "Signed-By: " p[2]
                     if (p[1] == "trusted") print "Trusted: " p[2]
                 }
                 print ""
             }' "$f"
    done
}

# Runs apt-get with the private deb-src list and state (no root needed, system apt untouched).
apt_private() {
    apt-get -o Dir::Etc::SourceList="$deps/apt/deb-src.sources" \
        -o Dir::Etc::SourceParts="$deps/apt/empty.d" \
        -o Dir::State::Lists="$deps/apt/lists" -o Dir::Cache="$deps/apt/cache" \
        -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root "$@"
}

# Fetches the Debian sources (once) and places each under subprojects/<wrap directory>.
place_sources() {
    local name dir want=()
    for name in "${!source_of[@]}"; do
        dir=$(wrap_dir "$name")
        if [ -f "subprojects/$dir/.faultline-debian-source" ]; then continue; fi
        if [ -d "subprojects/$dir" ]; then
            log "subprojects/$dir exists (not from apt-get source): using it as is"
            continue
        fi
        want+=("$name")
    done
    [ ${#want[@]} -eq 0 ] && return 0
    command -v dpkg-source >/dev/null || die "dpkg-source missing: run packaging/install-deps.sh --static"
    mkdir -p "$deps/apt/lists/partial" "$deps/apt/cache/archives/partial" "$deps/apt/empty.d"
    derive_deb_src > "$deps/apt/deb-src.sources"
    grep -q '^Types: deb-src' "$deps/apt/deb-src.sources" ||
        die "no deb entries found in /etc/apt/sources.list{,.d/*} to derive deb-src entries from"
    log "deb-src entries (derived from the machine's apt sources): $deps/apt/deb-src.sources"
    # A repository without sources (a third-party one) only warns; apt-get source fails below
    # with a clear message if Debian's own sources are unreachable.
    apt_private update -qq || log "apt-get update reported errors; trying apt-get source anyway"
    rm -rf "$deps/src" && mkdir -p "$deps/src"
    local fetched=()
    for name in "${want[@]}"; do
        log "apt-get source ${source_of[$name]}"
        if (cd "$deps/src" && apt_private source -qq "${source_of[$name]}" >/dev/null); then
            fetched+=("$name")
        elif [ "$name" = nats.c ] && [ "$nats" = auto ]; then
            # Optional: without it cdp-proxy is built without NATS (--nats exits 2 saying so).
            log "apt-get source nats.c failed: building without NATS (--nats-required makes" \
                "this an error; an upstream nats.c tree at subprojects/$(wrap_dir nats.c) is" \
                "used as is)"
            nats=0
        else
            die "apt-get source ${source_of[$name]} failed (are Debian's repositories" \
                "reachable? An upstream source tree placed at subprojects/<the wrap's" \
                "directory> is used as is; --no-nats builds without NATS)"
        fi
    done
    want=("${fetched[@]}")
    for name in "${want[@]}"; do
        local src=${source_of[$name]} unpacked
        unpacked=$(find "$deps/src" -mindepth 1 -maxdepth 1 -type d -name "$src-*" | head -n1)
        [ -n "$unpacked" ] || die "apt-get source $src left no source tree"
        dir=$(wrap_dir "$name")
        # The wrap names the version the code targets; another one (a newer Debian) may not build.
        local got=${unpacked##*-}
        got=${got%%+*}  # Debian's repack suffix (9.1.0+ds1)
        [ "$got" = "${dir##*-}" ] ||
            die "apt-get source $src gave version $got, but subprojects/$name.wrap names" \
                "${dir##*-} (the version the code targets): update the wrap once the code" \
                "builds with it"
        # Debian's cpp-httplib has its own meson.build, nats.c is built with its CMakeLists.txt
        # (meson's cmake module); fmt and simdjson (CMake projects too) get our meson overlay.
        if [ ! -f "$unpacked/meson.build" ] && [ "$name" != nats.c ]; then
            [ -d "subprojects/packagefiles/$name" ] || die "no meson.build in $src and no overlay"
            cp -a "subprojects/packagefiles/$name/." "$unpacked/"
        fi
        basename "$(ls "$deps/src/${src}_"*.dsc)" .dsc > "$unpacked/.faultline-debian-source"
        mv "$unpacked" "subprojects/$dir"
        log "subprojects/$dir <- $(cat "subprojects/$dir/.faultline-debian-source")"
    done
}

# Sets up the build tree once; a later --no-nats (or its absence) reconfigures it.
configure() {
    local want=enabled
    [ "$nats" = 0 ] && want=disabled
    if [ ! -f "$builddir/build.ninja" ]; then
        log "meson setup $builddir"
        meson setup "$builddir" -Dstatic=true -Dtests=false -Dnats=$want \
            --force-fallback-for=fmt,simdjson,cpp-httplib \
            -Dbuildtype=release -Db_lto=true >/dev/null ||
            die "meson setup failed (see $builddir/meson-logs/meson-log.txt)"
    elif [ "$(cat "$builddir/.faultline-nats" 2>/dev/null)" != $want ]; then
        log "meson configure $builddir -Dnats=$want"
        meson configure "$builddir" -Dnats=$want >/dev/null ||
            die "meson configure -Dnats=$want failed (see $builddir/meson-logs/meson-log.txt)"
    fi
    echo $want > "$builddir/.faultline-nats"
}

# Copies each program stripped into $dist (only when it changed) and prints its size.
strip_and_report() {
    local p out
    mkdir -p "$dist"
    printf '%-18s %10s  %s\n' binary bytes "(stripped, static)"
    for p in "${programs[@]}"; do
        out=$dist/$(basename "$p")
        if [ ! -f "$out" ] || [ "$builddir/$p" -nt "$out" ]; then
            strip --strip-all -o "$out.tmp" "$builddir/$p" && mv "$out.tmp" "$out"
        fi
        file -b "$out" | grep -q 'statically linked' || die "$out is not statically linked"
        printf '%-18s %10d  %s KiB\n' "$(basename "$p")" "$(stat -c %s "$out")" \
            "$(( ($(stat -c %s "$out") + 1023) / 1024 ))"
    done
}

# One build at a time per build directory (tests and a user may run this concurrently).
mkdir -p "$deps" && exec 9>"$deps/lock"
flock 9 || die "cannot lock $deps/lock"
place_sources
[ $sources_only = 1 ] && exit 0
configure
log "ninja -C $builddir -j$jobs"
# glibc warns that a static getaddrinfo needs its NSS modules at run time: numeric
# addresses (127.0.0.1, ::1) resolve without them, host names like localhost do not.
# That expected warning is filtered from the output; a failed build shows everything.
ninja -C "$builddir" -j"$jobs" "${programs[@]}" packaging/static-probe/loopback-probe \
    > "$builddir/ninja.log" 2>&1 || { cat "$builddir/ninja.log" >&2; die "ninja failed"; }
grep -v -e "requires at runtime the shared libraries" -e "in function \`" "$builddir/ninja.log" >&2 || true
strip_and_report
log "static binaries in $dist"
