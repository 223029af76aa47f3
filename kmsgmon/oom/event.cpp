#include "oom/event.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace faultline::kmsgmon {
namespace {

template <class T>
void add_if(faultline::JsonObject& o, std::string_view key, const std::optional<T>& v) {
    if (v) o.add(key, *v);
}

}  // namespace

std::string system_oom_kill_data(const OomKill& kill, const OomCgroupContext* ctx) {
    const OomKilled& k = kill.killed;
    faultline::JsonObject o;
    if (!ctx || !ctx->translate_pid)
        o.add("pid", k.pid);
    else if (ctx->pid)
        o.add("pid", *ctx->pid);
    o.add("process_name", k.comm);
    const auto& c = kill.constraint;
    add_if(o, "uid", k.uid ? k.uid : c ? c->uid : std::nullopt);
    add_if(o, "total_vm_kb", k.total_vm_kb);
    add_if(o, "anon_rss_kb", k.anon_rss_kb);
    add_if(o, "file_rss_kb", k.file_rss_kb);
    add_if(o, "shmem_rss_kb", k.shmem_rss_kb);
    add_if(o, "pgtables_kb", k.pgtables_kb);
    add_if(o, "oom_score_adj", k.oom_score_adj);
    if (c) {
        add_if(o, "constraint", c->constraint);
        add_if(o, "oom_memcg", c->oom_memcg);
        add_if(o, "task_memcg", c->task_memcg);
    }
    if (const auto& t = kill.trigger) {
        o.add("trigger_process_name", t->comm);
        add_if(o, "gfp_mask", t->gfp_mask);
        add_if(o, "order", t->order);
    }
    o.add("kernel_seq", kill.kernel_seq).add("kernel_ts_us", kill.kernel_ts_us);
    o.add("message", kill.message);
    if (ctx) {
        o.add("detected_by", ctx->detected_by).add("cgroup", ctx->cgroup);
        add_if(o, "memory_limit_kb", ctx->limit_kb);
        add_if(o, "memory_usage_kb", ctx->usage_kb);
        o.add("victim", "kernel_report");
    }
    return o.finish();
}

faultline::Event system_oom_kill_event(const OomKill& kill, const faultline::Source& source,
                                       const std::string& boot_id, const OomCgroupContext* ctx) {
    faultline::Event e =
        faultline::make_event("system_oom_kill", system_oom_kill_data(kill, ctx), source);
    if (!boot_id.empty()) e.id = fmt::format("kmsg-{}-{}", boot_id, kill.kernel_seq);
    return e;
}

std::string read_boot_id() {
    char buf[64] = {};
    FILE* f = std::fopen("/proc/sys/kernel/random/boot_id", "re");
    if (!f) return "";
    if (!std::fgets(buf, sizeof buf, f)) buf[0] = 0;
    std::fclose(f);
    std::string id = buf;
    if (!id.empty() && id.back() == '\n') id.pop_back();
    return id;
}

}  // namespace faultline::kmsgmon
