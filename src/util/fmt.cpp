// fmt's out-of-line functions, compiled once for the whole library.
//
// Debian ships fmt as headers plus a shared libfmt only. A static CLI cannot
// link the shared one, and defining FMT_HEADER_ONLY instead makes every
// translation unit compile all of format-inl.h again (2 to 4 times the
// compile time of a small unit). So no unit defines FMT_HEADER_ONLY, and this
// one provides what the headers declare but do not define: the FMT_FUNC
// functions of format-inl.h and the explicit instantiations format.h
// declares `extern template`.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
}  // namespace detail
FMT_END_NAMESPACE
