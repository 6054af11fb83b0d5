# Cross toolchain for the emulated arm64 test bed (Debian's g++-aarch64-linux-gnu).
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#     -DARMCACHE_TESTS=OFF -DARMCACHE_BENCHMARKS=OFF -DARMCACHE_STATIC=ON
# Debian has no arm64 libfmt on this host; the library compiles fmt's
# implementation itself (src/util/fmt.cpp). fmt, nlohmann-json and CLI11 headers are
# architecture-independent and come from the host's -dev packages through the
# package configs in cmake/aarch64-deps/, which expose only those headers (not
# all of /usr/include, which holds the host's glibc headers).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(fmt_DIR ${CMAKE_CURRENT_LIST_DIR}/aarch64-deps CACHE PATH "" FORCE)
set(nlohmann_json_DIR ${CMAKE_CURRENT_LIST_DIR}/aarch64-deps CACHE PATH "" FORCE)
set(CLI11_DIR ${CMAKE_CURRENT_LIST_DIR}/aarch64-deps CACHE PATH "" FORCE)

# libfdt (host discovery) for arm64: e2e/build-aarch64.sh extracts Debian's
# libfdt-dev:arm64 into this directory (no foreign-arch package is installed).
set(ARMCACHE_AARCH64_SYSROOT "$ENV{ARMCACHE_AARCH64_SYSROOT}" CACHE PATH "extracted arm64 -dev packages")
if(ARMCACHE_AARCH64_SYSROOT)
  set(ARMCACHE_FDT_ARCHIVE ${ARMCACHE_AARCH64_SYSROOT}/usr/lib/aarch64-linux-gnu/libfdt.a CACHE FILEPATH "" FORCE)
endif()
