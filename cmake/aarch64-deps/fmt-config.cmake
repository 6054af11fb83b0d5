include(${CMAKE_CURRENT_LIST_DIR}/header-only.cmake)
armcache_header_only_package(fmt::fmt fmt)
