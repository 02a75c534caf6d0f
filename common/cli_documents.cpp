// SPDX-License-Identifier: MIT
#include "cli_documents.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rtt {
namespace {

// The options a user sees (hidden ones have an empty group), in definition order.
std::vector<const CLI::Option*> visible_options(const CLI::App& app) {
    return app.get_options([](const CLI::Option* option) { return !option->get_group().empty(); });
}

std::vector<const CLI::App*> subcommands(const CLI::App& app) {
    return app.get_subcommands([](const CLI::App*) { return true; });
}

// Flags expect no value (CLI11 gives them an expected count of 0).
bool takes_value(const CLI::Option* option) {
    return option->get_expected_max() > 0;
}

// A value shown as "[VALUE]" is optional (reverse-traceroute's --transmit [URL]): the word after
// the option is not its value unless it is attached with "=".
bool optional_value(const CLI::Option* option) {
    const auto type = option->get_type_name();
    return !type.empty() && type.front() == '[';
}

std::vector<std::string> option_names(const CLI::Option* option) {
    std::vector<std::string> names;
    for (const auto& s : option->get_snames())
        names.push_back("-" + s);
    for (const auto& l : option->get_lnames())
        names.push_back("--" + l);
    return names;
}

std::string long_name(const CLI::Option* option) {
    return option->get_lnames().empty() ? std::string() : option->get_lnames().front();
}

// Text safe in a roff line: backslashes escaped, no line starting with a control character.
std::string roff(const std::string& text) {
    std::string out;
    for (const char c : text)
        out += c == '\\' ? std::string("\\e") : std::string(1, c);
    if (!out.empty() && (out[0] == '.' || out[0] == '\''))
        out = "\\&" + out;
    return out;
}

// A default under the home directory of whoever built the page (the config file) is shown as
// "~/...", which is right for every reader.
std::string for_every_user(const std::string& value) {
    const char* home = std::getenv("HOME");
    const std::string prefix = home && *home ? std::string(home) + "/" : std::string();
    if (!prefix.empty() && value.rfind(prefix, 0) == 0)
        return "~/" + value.substr(prefix.size());
    return value;
}

std::string roff_option(const CLI::Option* option) {
    std::string names;
    for (const auto& name : option_names(option)) {
        std::string escaped;
        for (const char c : name)
            escaped += c == '-' ? std::string("\\-") : std::string(1, c);
        names += std::string(names.empty() ? "" : ", ") + "\\fB" + escaped + "\\fR";
    }
    if (takes_value(option))
        names += " \\fI" + roff(option->get_type_name().empty() ? "VALUE" : option->get_type_name()) + "\\fR";
    std::string text = ".TP\n" + names + "\n" + roff(option->get_description());
    if (!option->get_default_str().empty())
        text += " (default: " + roff(for_every_user(option->get_default_str())) + ")";
    return text + "\n";
}

std::string print_and_stop(const std::string& text) {
    std::fputs(text.c_str(), stdout);
    throw CLI::Success();
}

// Words for a zsh _arguments spec or description: no brackets, colons or single quotes.
std::string zsh_safe(std::string text) {
    for (char& c : text) {
        if (c == '[')
            c = '(';
        else if (c == ']')
            c = ')';
        else if (c == ':' || c == '\'')
            c = ' ';
    }
    return text;
}

std::string function_name(const std::string& program) {
    std::string name = "_";
    for (const char c : program)
        name += c == '-' ? '_' : c;
    return name;
}

}  // namespace

void add_document_options(CLI::App& app, const CommandDocument& document) {
    app.add_flag_callback(
           "--man", [&app, document] { print_and_stop(man_page(app, document)); }, "Print the man page")
        ->group("");
    app.add_option_function<std::string>(
           "--completion",
           [&app, document](const std::string& shell) {
               if (shell == "bash")
                   print_and_stop(bash_completion(app, document));
               if (shell == "zsh")
                   print_and_stop(zsh_completion(app, document));
               throw CLI::ValidationError("--completion", "give bash or zsh");
           },
           "Print the completion script for SHELL")
        ->group("");
}

std::string man_page(const CLI::App& app, const CommandDocument& document) {
    std::string page = fmt::format(
        ".TH {} {} \"\" \"reverse-traceroute\" \"{}\"\n",
        [&] {
            std::string upper;
            for (const char c : document.name)
                upper += c == '-' ? std::string("\\-") : std::string(1, static_cast<char>(std::toupper(c)));
            return upper;
        }(),
        document.section, document.section == 8 ? "System Manager's Manual" : "User Commands");
    page +=
        ".\\\" Generated from the program's command-line definition (common/cli_documents.cpp) and\n"
        ".\\\" docs/man/; edit those, not this file.\n";
    page += fmt::format(".SH NAME\n{} \\- {}\n", roff(document.name), roff(document.summary));
    page += fmt::format(".SH SYNOPSIS\n.B {}\n{}\n", roff(document.name), roff(document.synopsis));
    page += fmt::format(".SH DESCRIPTION\n{}\n", roff(app.get_description()));
    page += ".SH OPTIONS\n";
    std::vector<const CLI::Option*> positionals;
    for (const auto* option : visible_options(app)) {
        if (option->get_positional())
            positionals.push_back(option);
        else
            page += roff_option(option);
    }
    for (const auto* sub : subcommands(app)) {
        page += fmt::format(".SS \"{}\"\n{}.\n", roff(sub->get_name()), roff(sub->get_description()));
        for (const auto* option : visible_options(*sub)) {
            if (option->get_positional())
                continue;
            page += roff_option(option);
        }
    }
    if (!positionals.empty()) {
        page += ".SH ARGUMENTS\n";
        for (const auto* option : positionals)
            page += fmt::format(".TP\n\\fI{}\\fR\n{}\n", roff(option->get_name()), roff(option->get_description()));
    }
    return page;
}

std::string bash_completion(const CLI::App& app, const CommandDocument& document) {
    // Option lists: the program's own, and per subcommand; value_options collects those whose
    // next word is their value.
    std::string value_options;
    const auto option_words = [&](const CLI::App& level) {
        std::string words;
        for (const auto* option : visible_options(level)) {
            if (option->get_positional())
                continue;
            for (const auto& name : option_names(option)) {
                words += " " + name;
                if (takes_value(option) && !optional_value(option))
                    value_options += " " + name;
            }
        }
        return words;
    };
    const std::string global_options = option_words(app);
    std::string subcommand_cases;
    for (const auto* sub : subcommands(app))
        subcommand_cases += fmt::format("      {}) options+=\"{}\" ;;\n", sub->get_name(), option_words(*sub));
    std::string value_cases;
    for (const auto* option : visible_options(app)) {
        const auto found = document.value_words.find(long_name(option));
        if (found == document.value_words.end())
            continue;
        std::string names;
        for (const auto& name : option_names(option))
            names += names.empty() ? name : "|" + name;
        const std::string words = fmt::format("{}", fmt::join(found->second, " "));
        value_cases +=
            words == "<file>"
                ? fmt::format("    {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", names)
                : fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", names, words);
    }
    std::string positional_cases;
    for (std::size_t i = 0; i < document.positional_words.size(); ++i) {
        const auto& words = document.positional_words[i];
        const std::string joined = fmt::format("{}", fmt::join(words, " "));
        std::string action;
        if (joined == "<host>")
            action = "COMPREPLY=($(compgen -A hostname -- \"$cur\"))";
        else if (joined == "<interface>")
            action = "COMPREPLY=($(compgen -W \"$(ls /sys/class/net 2> /dev/null)\" -- \"$cur\"))";
        else
            action = fmt::format("COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))", joined);
        positional_cases += fmt::format("    {}) {} ;;\n", i, action);
    }
    const std::string function = function_name(document.name);
    return fmt::format(
        R"(# bash completion for {name}; generated from its command-line definition ({name} --completion bash).
{function}() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  local value_options="{value_options} "
  # The value of an option that takes one.
  case $prev in
{value_cases}  esac
  if [[ " $value_options" == *" $prev "* && $prev == -* ]]; then
    return
  fi
  # Words so far that are not options or option values: the positional index of this word.
  local i word position=0 options="{global_options}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    if [[ $word == -* ]]; then
      [[ " $value_options" == *" $word "* && $word != *=* ]] && ((i++))
      continue
    fi
    case $word in
{subcommand_cases}    esac
    ((position++))
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    return
  fi
  case $position in
{positional_cases}  esac
}}
complete -F {function} {name}
)",
        fmt::arg("name", document.name), fmt::arg("function", function), fmt::arg("value_options", value_options),
        fmt::arg("value_cases", value_cases), fmt::arg("global_options", global_options),
        fmt::arg("subcommand_cases", subcommand_cases), fmt::arg("positional_cases", positional_cases));
}

std::string zsh_completion(const CLI::App& app, const CommandDocument& document) {
    std::string specs;
    const auto add_option = [&](const CLI::Option* option) {
        const auto names = option_names(option);
        const std::string exclusive = names.size() > 1 ? fmt::format("({})", fmt::join(names, " ")) : "";
        std::string value;
        if (takes_value(option)) {
            const auto found = document.value_words.find(long_name(option));
            const std::string label = zsh_safe(option->get_type_name());
            if (optional_value(option))
                value = fmt::format("::{}: ", label.substr(1, label.size() - 2));
            else if (found == document.value_words.end())
                value = fmt::format(":{}: ", label);
            else if (found->second.size() == 1 && found->second[0] == "<file>")
                value = fmt::format(":{}:_files", label);
            else
                value = fmt::format(":{}:({})", label, fmt::join(found->second, " "));
        }
        const std::string description = zsh_safe(option->get_description());
        for (const auto& name : names)
            specs += fmt::format("    '{}{}{}[{}]{}'\n", exclusive, name,
                                 !takes_value(option) || name.size() <= 2 ? ""
                                 : optional_value(option)                 ? "=-"
                                                                          : "=",
                                 description, value);
    };
    for (const auto* option : visible_options(app))
        if (!option->get_positional())
            add_option(option);
    for (const auto* sub : subcommands(app))
        for (const auto* option : visible_options(*sub))
            if (!option->get_positional())
                add_option(option);
    for (std::size_t i = 0; i < document.positional_words.size(); ++i) {
        const std::string joined = fmt::format("{}", fmt::join(document.positional_words[i], " "));
        const std::string action = joined == "<host>"        ? "_hosts"
                                   : joined == "<interface>" ? "_net_interfaces"
                                                             : "(" + joined + ")";
        specs += fmt::format("    '{}:word {}:{}'\n", i + 1, i + 1, action);
    }
    return fmt::format(
        "#compdef {name}\n# zsh completion for {name}; generated from its command-line definition "
        "({name} --completion zsh).\n_arguments -s -S \\\n{specs}\n",
        fmt::arg("name", document.name), fmt::arg("specs", [&] {
            const std::string& joined = specs;
            // One _arguments call: every line but the last continues.
            std::string out;
            std::size_t start = 0, end;
            while ((end = joined.find('\n', start)) != std::string::npos) {
                out += joined.substr(start, end - start);
                out += joined.find('\n', end + 1) == std::string::npos ? "\n" : " \\\n";
                start = end + 1;
            }
            return out;
        }()));
}

}  // namespace rtt
