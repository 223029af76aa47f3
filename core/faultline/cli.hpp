// Command-line flags with environment-variable twins (--data-dir <-> FAULTLINE_DATA_DIR).
// The environment sets defaults; the command line overrides them. --help and --version are
// built in. Bad values are errors that name the flag (or variable) and the value.
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace faultline {

class FlagSet {
  public:
    enum class Result { ok, help, version, error };

    FlagSet(std::string program, std::string synopsis, std::string description)
        : program_(std::move(program)),
          synopsis_(std::move(synopsis)),
          description_(std::move(description)) {}

    void add_string(std::string name, std::string* out, std::string help,
                    std::string metavar = "VALUE") {
        add(std::move(name), std::move(help), std::move(metavar), *out,
            [out](std::string_view v, std::string&) {
                out->assign(v);
                return true;
            });
    }
    // A flag that may be given more than once: each value is appended (the environment
    // variable gives one value, before those of the command line).
    void add_list(std::string name, std::vector<std::string>* out, std::string help,
                  std::string metavar = "VALUE") {
        add(std::move(name), std::move(help) + " (repeatable)", std::move(metavar), "",
            [out](std::string_view v, std::string&) {
                out->emplace_back(v);
                return true;
            });
    }
    void add_uint(std::string name, uint64_t* out, std::string help, std::string metavar = "N") {
        add(std::move(name), std::move(help), std::move(metavar), std::to_string(*out),
            [out](std::string_view v, std::string& err) {
                auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
                if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
                    err = "expected a non-negative integer";
                    return false;
                }
                return true;
            });
    }
    void add_double(std::string name, double* out, std::string help, std::string metavar = "X") {
        add(std::move(name), std::move(help), std::move(metavar), fmt::format("{}", *out),
            [out](std::string_view v, std::string& err) {
                char* end = nullptr;
                std::string s(v);
                *out = std::strtod(s.c_str(), &end);
                if (s.empty() || *end) {
                    err = "expected a number";
                    return false;
                }
                return true;
            });
    }
    // A switch: "--name" sets it; the variable accepts 1/true/yes/on and 0/false/no/off.
    void add_bool(std::string name, bool* out, std::string help) {
        Flag f{std::move(name),
               std::move(help),
               "",
               *out ? "true" : "false",
               true,
               [out](std::string_view v, std::string& err) {
                   if (v == "1" || v == "true" || v == "yes" || v == "on")
                       *out = true;
                   else if (v == "0" || v == "false" || v == "no" || v == "off")
                       *out = false;
                   else {
                       err = "expected true or false";
                       return false;
                   }
                   return true;
               }};
        flags_.push_back(std::move(f));
    }
    // Free text appended to --help (examples, exit codes, files).
    void add_section(std::string title, std::string text) {
        sections_.emplace_back(std::move(title), std::move(text));
    }

    static std::string env_name(std::string_view flag) {
        std::string e = "FAULTLINE_";
        for (char c : flag) e.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(c)));
        return e;
    }

    Result parse(int argc, char** argv, std::string& error) {
        for (auto& f : flags_)
            if (const char* v = std::getenv(env_name(f.name).c_str());
                v && !apply(f, v, true, error))
                return Result::error;
        for (int i = 1; i < argc; ++i) {
            std::string_view arg = argv[i];
            if (arg == "--help" || arg == "-h") return Result::help;
            if (arg == "--version" || arg == "-V") return Result::version;
            if (!arg.starts_with("--")) {
                error = fmt::format("unexpected argument '{}' (see --help)", arg);
                return Result::error;
            }
            std::string_view name = arg.substr(2), value;
            bool has_value = false;
            if (size_t eq = name.find('='); eq != std::string_view::npos) {
                value = name.substr(eq + 1), name = name.substr(0, eq), has_value = true;
            }
            Flag* f = find(name);
            if (!f) {
                error = fmt::format("unknown flag '--{}' (see --help)", name);
                return Result::error;
            }
            if (f->is_switch) {
                if (!has_value) value = "true";
            } else if (!has_value) {
                if (i + 1 >= argc) {
                    error = fmt::format("flag '--{}' needs a value", name);
                    return Result::error;
                }
                value = argv[++i];
            }
            if (!apply(*f, value, false, error)) return Result::error;
        }
        return Result::ok;
    }

    std::string help() const {
        std::string out = fmt::format(
            "Usage: {}\n\n{}\n\nOptions (each also read from its environment variable):\n",
            synopsis_, description_);
        for (const auto& f : flags_) {
            std::string head = f.is_switch ? fmt::format("  --{}", f.name)
                                           : fmt::format("  --{} {}", f.name, f.metavar);
            out += fmt::format("{}\n      {}\n      env {}", head, f.help, env_name(f.name));
            if (!f.default_text.empty() && !(f.is_switch && f.default_text == "false"))
                out += fmt::format(", default {}", f.default_text);
            out += "\n";
        }
        out +=
            "  --help, -h\n      print this help and exit\n  --version, -V\n      print the "
            "version and exit\n";
        for (const auto& [title, text] : sections_) out += fmt::format("\n{}:\n{}\n", title, text);
        return out;
    }

    // Handles the common outcomes: prints help/version/error. Returns an exit code, or -1 to go on.
    int handle(int argc, char** argv, std::string_view version) {
        std::string err;
        switch (parse(argc, argv, err)) {
            case Result::help:
                std::fputs(help().c_str(), stdout);
                return 0;
            case Result::version:
                std::printf("%s %.*s\n", program_.c_str(), int(version.size()), version.data());
                return 0;
            case Result::error:
                std::fprintf(stderr, "%s: %s\n", program_.c_str(), err.c_str());
                return 2;
            case Result::ok:
                return -1;
        }
        return 2;
    }

  private:
    struct Flag {
        std::string name, help, metavar, default_text;
        bool is_switch = false;
        std::function<bool(std::string_view, std::string&)> set;
    };

    void add(std::string name, std::string help, std::string metavar, std::string def,
             std::function<bool(std::string_view, std::string&)> set) {
        flags_.push_back(Flag{std::move(name), std::move(help), std::move(metavar), std::move(def),
                              false, std::move(set)});
    }
    Flag* find(std::string_view name) {
        for (auto& f : flags_)
            if (f.name == name) return &f;
        return nullptr;
    }
    static bool apply(Flag& f, std::string_view v, bool from_env, std::string& error) {
        std::string why;
        if (f.set(v, why)) return true;
        error = from_env ? fmt::format("{}='{}': {}", env_name(f.name), v, why)
                         : fmt::format("--{} '{}': {}", f.name, v, why);
        return false;
    }

    std::string program_, synopsis_, description_;
    std::vector<Flag> flags_;
    std::vector<std::pair<std::string, std::string>> sections_;
};

}  // namespace faultline
