// SPDX-License-Identifier: MIT
// Man pages and shell completions generated from a program's own CLI11 definition, so they list
// exactly the options the program accepts. Each program calls add_document_options(), which adds
// the hidden `--man` and `--completion bash|zsh`; the build captures their output
// (cmake/generate_documents.cmake) and appends the hand-written prose of docs/man/.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace rtt {

struct CommandDocument;

// A subcommand with a command line of its own (`reverse-traceroute campaign`): once its word is
// the first on the line, completion follows its definition instead.
struct SubcommandDocument {
    std::string word;
    std::shared_ptr<const CLI::App> app;  // also keeps alive what its options are bound to
    std::shared_ptr<const CommandDocument> document;
};

struct CommandDocument {
    std::string name;      // e.g. "reverse-traceroute"
    int section = 1;       // 1 (user command) or 8 (system service)
    std::string summary;   // the NAME line after "name \- "
    std::string synopsis;  // e.g. "[OPTIONS] forward|reverse|two-way ..."
    // Completion words for the n-th positional word (after options), e.g. directions; a word
    // "<host>" offers host names, "<interface>" network interfaces.
    std::vector<std::vector<std::string>> positional_words;
    // Completion words for an option's value (by long name); "<file>" offers file names,
    // "<interface>" network interfaces.
    std::map<std::string, std::vector<std::string>> value_words;
    // What the positional words are, for zsh's descriptions ("direction"); default "word N".
    std::vector<std::string> positional_labels;
    // Option groups offered only once a word is on the line (the "Multipath" group after
    // "multipath"), so that completion offers an engine's options with that engine only.
    std::map<std::string, std::string> group_words;
    std::vector<SubcommandDocument> subcommands;
};

// Adds hidden --man and --completion SHELL to `app`; they print to stdout and end parsing with
// CLI::Success.
void add_document_options(CLI::App& app, const CommandDocument& document);

std::string man_page(const CLI::App& app, const CommandDocument& document);
std::string bash_completion(const CLI::App& app, const CommandDocument& document);
std::string zsh_completion(const CLI::App& app, const CommandDocument& document);

}  // namespace rtt
