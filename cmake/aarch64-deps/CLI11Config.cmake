include(${CMAKE_CURRENT_LIST_DIR}/header-only.cmake)
armcache_header_only_package(CLI11::CLI11 CLI11)
