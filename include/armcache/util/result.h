// Result<T>: a value or an Error, the std::expected shape (C++23) for a C++20
// toolchain. Errors carry a one-line message and, where a syscall failed, errno.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace armcache {

struct Error {
  std::string message;  // one line, no trailing period
  int errnum = 0;       // errno of the failed syscall, 0 if none

  static Error make(std::string msg, int err = 0) { return Error{std::move(msg), err}; }
};

// The symbolic name of an errno value ("EINVAL", "ERANGE", ...), as messages
// print it next to strerror's text; "errno N" for a number the C library
// has no name for. The one table of errno names (the C library's).
std::string errno_name(int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit like expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

}  // namespace armcache
