#include "helper/command_args.h"

namespace edgeid::helper {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Result<std::vector<std::string>> SplitCommandArgs(std::string_view text) {
  std::vector<std::string> args;
  std::string current;
  bool in_word = false;  // true once a quote or a character started an argument
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        current += c;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 == text.size()) return InvalidArgument("cmd_args ends with a lone backslash");
      current += text[++i];
      in_word = true;
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else {
        current += c;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (IsBlank(c)) {
      if (in_word) args.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current += c;
      in_word = true;
    }
  }
  if (quote != 0) return InvalidArgument(std::string("cmd_args has an unterminated ") + quote);
  if (in_word) args.push_back(std::move(current));
  return args;
}

}  // namespace edgeid::helper
