#include "common/errors.h"

namespace evalrun {

std::string located(const std::string& file, int line, const std::string& message) {
  std::string out;
  out.reserve(file.size() + message.size() + 16);
  out.append(file);
  if (line > 0) out.append(":").append(std::to_string(line));
  out.append(": ").append(message);
  return out;
}

}  // namespace evalrun
