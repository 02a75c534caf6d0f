// SPDX-License-Identifier: MIT
#include "cli_documents.h"

#include <algorithm>
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

// The option groups in the order of their first option (CLI11 names the default "Options").
std::vector<std::string> option_groups(const CLI::App& app) {
    std::vector<std::string> groups;
    for (const auto* option : visible_options(app))
        if (!option->get_positional() && std::find(groups.begin(), groups.end(), option->get_group()) == groups.end())
            groups.push_back(option->get_group());
    return groups;
}

// Options offered whatever else is on the line (not in a group that a word unlocks).
bool always_offered(const CLI::Option* option, const CommandDocument& document) {
    return document.group_words.find(option->get_group()) == document.group_words.end();
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
        name += c == '-' || c == ' ' ? '_' : c;
    return name;
}

// The words of the first position: the document's, then its subcommands'.
std::vector<std::vector<std::string>> positional_words_with_subcommands(const CommandDocument& document) {
    auto words = document.positional_words;
    if (!words.empty())
        for (const auto& subcommand : document.subcommands)
            words.front().push_back(subcommand.word);
    return words;
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
    for (const auto* option : visible_options(app))
        if (option->get_positional())
            positionals.push_back(option);
    for (const auto& group : option_groups(app)) {
        if (group != "Options")
            page += fmt::format(".SS \"{}\"\n", roff(group));
        for (const auto* option : visible_options(app))
            if (!option->get_positional() && option->get_group() == group)
                page += roff_option(option);
    }
    if (!positionals.empty()) {
        page += ".SH ARGUMENTS\n";
        for (const auto* option : positionals)
            page += fmt::format(".TP\n\\fI{}\\fR\n{}\n", roff(option->get_name()), roff(option->get_description()));
    }
    return page;
}

namespace {

// The bash function completing `document`'s words from `first_word` on (1; 2 for a subcommand,
// whose word is the first), handing over to its subcommands' functions.
std::string bash_function(const CLI::App& app, const CommandDocument& document, int first_word) {
    // Option lists: those always offered, and per unlocking word; value_options collects those
    // whose next word is their value.
    std::string value_options;
    std::string global_options;
    std::map<std::string, std::string> unlocked;  // word -> its options
    for (const auto* option : visible_options(app)) {
        if (option->get_positional())
            continue;
        std::string words;
        for (const auto& name : option_names(option)) {
            words += " " + name;
            if (takes_value(option) && !optional_value(option))
                value_options += " " + name;
        }
        if (always_offered(option, document))
            global_options += words;
        else
            unlocked[document.group_words.at(option->get_group())] += words;
    }
    std::string unlock_cases;
    std::string every_unlocked;
    for (const auto& [word, options] : unlocked) {
        unlock_cases += fmt::format("      {}) options+=\"{}\"; unlocked=1 ;;\n", word, options);
        every_unlocked += options;
    }
    const auto action_for = [](const std::string& joined) {
        if (joined == "<host>")
            return std::string("COMPREPLY=($(compgen -A hostname -- \"$cur\"))");
        if (joined == "<interface>")
            return std::string("COMPREPLY=($(compgen -W \"$(ls /sys/class/net 2> /dev/null)\" -- \"$cur\"))");
        if (joined == "<file>")
            return std::string("COMPREPLY=($(compgen -f -- \"$cur\"))");
        return fmt::format("COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))", joined);
    };
    std::string value_cases;
    for (const auto* option : visible_options(app)) {
        const auto found = document.value_words.find(long_name(option));
        if (found == document.value_words.end())
            continue;
        std::string names;
        for (const auto& name : option_names(option))
            names += names.empty() ? name : "|" + name;
        value_cases +=
            fmt::format("    {}) {}; return ;;\n", names, action_for(fmt::format("{}", fmt::join(found->second, " "))));
    }
    std::string positional_cases;
    const auto positional_words = positional_words_with_subcommands(document);
    for (std::size_t i = 0; i < positional_words.size(); ++i)
        positional_cases +=
            fmt::format("    {}) {} ;;\n", i, action_for(fmt::format("{}", fmt::join(positional_words[i], " "))));
    std::string handovers;
    for (const auto& subcommand : document.subcommands)
        handovers += fmt::format("  if ((cword > 1)) && [[ ${{words[1]}} == {} ]]; then\n    {}\n    return\n  fi\n",
                                 subcommand.word, function_name(subcommand.document->name));
    const std::string function = function_name(document.name);
    return fmt::format(
        R"({function}() {{
  # bash splits words at ':' (COMP_WORDBREAKS): glue "http" ":" "//host" ":" "8080/" back into
  # one word, so that a URL or an IPv6 address counts as one.
  local -a words=()
  local i n=0 cword=0
  for ((i = 0; i < ${{#COMP_WORDS[@]}}; i++)); do
    if ((i > 0)) && [[ ${{COMP_WORDS[i]}} == : || ${{COMP_WORDS[i-1]}} == : ]]; then
      words[n-1]+=${{COMP_WORDS[i]}}
    else
      words[n++]=${{COMP_WORDS[i]}}
    fi
    ((i == COMP_CWORD)) && cword=$((n - 1))
  done
{handovers}  local cur=${{words[cword]}} prev=${{words[cword-1]}}
  local value_options="{value_options} "
  # The value of an option that takes one.
  case $prev in
{value_cases}  esac
  if [[ " $value_options" == *" $prev "* && $prev == -* ]]; then
    return
  fi
  # Words so far that are not options or option values: the positional index of this word.
  local word position=0 unlocked=0 options="{global_options}"
  for ((i = {first_word}; i < cword; i++)); do
    word=${{words[i]}}
    if [[ $word == -* ]]; then
      [[ " $value_options" == *" $word "* && $word != *=* ]] && ((i++))
      continue
    fi
    # A URL is the value of an option whose value is optional (--transmit [URL]).
    [[ $word == *://* ]] && continue
    case $word in
{unlock_cases}    esac
    ((position++))
  done
  # No word has chosen yet (e.g. the engine): every option may still apply.
  ((unlocked)) || options+="{every_unlocked}"
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    return
  fi
  case $position in
{positional_cases}  esac
}}
)",
        fmt::arg("function", function), fmt::arg("handovers", handovers), fmt::arg("first_word", first_word),
        fmt::arg("value_options", value_options), fmt::arg("value_cases", value_cases),
        fmt::arg("global_options", global_options), fmt::arg("unlock_cases", unlock_cases),
        fmt::arg("every_unlocked", every_unlocked), fmt::arg("positional_cases", positional_cases));
}

}  // namespace

std::string bash_completion(const CLI::App& app, const CommandDocument& document) {
    std::string text =
        fmt::format("# bash completion for {0}; generated from its command-line definition ({0} --completion bash).\n",
                    document.name);
    text += bash_function(app, document, 1);
    for (const auto& subcommand : document.subcommands)
        text += bash_function(*subcommand.app, *subcommand.document, 2);
    return text + fmt::format("complete -F {} {}\n", function_name(document.name), document.name);
}

namespace {

// The zsh function completing `document`, handing over to its subcommands' functions.
std::string zsh_function(const CLI::App& app, const CommandDocument& document) {
    const auto option_specs = [&](const CLI::Option* option) {
        std::string specs;
        const auto names = option_names(option);
        const std::string exclusive = names.size() > 1 ? fmt::format("({})", fmt::join(names, " ")) : "";
        std::string value;
        if (takes_value(option)) {
            const auto found = document.value_words.find(long_name(option));
            const std::string label = zsh_safe(option->get_type_name());
            const std::string joined =
                found == document.value_words.end() ? "" : fmt::format("{}", fmt::join(found->second, " "));
            if (optional_value(option))
                value = fmt::format("::{}: ", label.substr(1, label.size() - 2));
            else if (found == document.value_words.end())
                value = fmt::format(":{}: ", label);
            else if (joined == "<file>")
                value = fmt::format(":{}:_files", label);
            else if (joined == "<interface>")
                value = fmt::format(":{}:_net_interfaces", label);
            else
                value = fmt::format(":{}:({})", label, joined);
        }
        const std::string description = zsh_safe(option->get_description());
        for (const auto& name : names)
            specs += fmt::format("    '{}{}{}[{}]{}'\n", exclusive, name,
                                 !takes_value(option) || name.size() <= 2 ? ""
                                 : optional_value(option)                 ? "=-"
                                                                          : "=",
                                 description, value);
        return specs;
    };
    std::string common;
    std::map<std::string, std::string> unlocked;  // word -> its option specs
    for (const auto* option : visible_options(app)) {
        if (option->get_positional())
            continue;
        if (always_offered(option, document))
            common += option_specs(option);
        else
            unlocked[document.group_words.at(option->get_group())] += option_specs(option);
    }
    const auto positional_words = positional_words_with_subcommands(document);
    for (std::size_t i = 0; i < positional_words.size(); ++i) {
        const std::string joined = fmt::format("{}", fmt::join(positional_words[i], " "));
        const std::string action = joined == "<host>"        ? "_hosts"
                                   : joined == "<interface>" ? "_net_interfaces"
                                                             : "(" + joined + ")";
        const std::string label =
            i < document.positional_labels.size() ? document.positional_labels[i] : fmt::format("word {}", i + 1);
        common += fmt::format("    '{}:{}:{}'\n", i + 1, label, action);
    }
    // One array per set of options; the words on the line say which sets apply.
    std::string arrays = fmt::format("  local -a specs=(\n{}  )\n", common);
    std::string choices;
    for (const auto& [word, specs] : unlocked) {
        const std::string array = function_name(word);
        arrays += fmt::format("  local -a {}=(\n{}  )\n", array.substr(1), specs);
        choices +=
            fmt::format("  (( ${{words[(I){}]}} )) && unlocked=1 && specs+=(\"${{{}[@]}}\")\n", word, array.substr(1));
    }
    std::string all;
    for (const auto& [word, specs] : unlocked)
        all += fmt::format(" \"${{{}[@]}}\"", function_name(word).substr(1));
    // Words after a subcommand's are its own: its function sees them as if it were the command.
    std::string handovers;
    for (const auto& subcommand : document.subcommands)
        handovers += fmt::format(
            "  if (( CURRENT > 2 )) && [[ ${{words[2]}} == {} ]]; then\n"
            "    shift words\n    (( CURRENT-- ))\n    {}\n    return\n  fi\n",
            subcommand.word, function_name(subcommand.document->name));
    return fmt::format(
        "{function}() {{\n{handovers}{arrays}  local unlocked=0\n{choices}"
        "{fallback}  _arguments -s -S \"${{specs[@]}}\"\n}}\n",
        fmt::arg("function", function_name(document.name)), fmt::arg("handovers", handovers),
        fmt::arg("arrays", arrays), fmt::arg("choices", choices),
        fmt::arg("fallback", unlocked.empty() ? std::string()
                                              : fmt::format("  # No engine word yet: every option.\n"
                                                            "  (( unlocked )) || specs+=({})\n",
                                                            all)));
}

}  // namespace

std::string zsh_completion(const CLI::App& app, const CommandDocument& document) {
    std::string text = fmt::format(
        "#compdef {0}\n# zsh completion for {0}; generated from its command-line definition ({0} --completion zsh).\n",
        document.name);
    text += zsh_function(app, document);
    for (const auto& subcommand : document.subcommands)
        text += zsh_function(*subcommand.app, *subcommand.document);
    return text + fmt::format("{} \"$@\"\n", function_name(document.name));
}

}  // namespace rtt
