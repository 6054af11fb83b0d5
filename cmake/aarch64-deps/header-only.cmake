# Shared by the three package configs here: a directory holding links to just
# the fmt, nlohmann and CLI headers of the build host.
set(_armcache_hdr ${CMAKE_BINARY_DIR}/header-only-deps)
foreach(_d fmt nlohmann CLI)
  if(NOT EXISTS /usr/include/${_d})
    message(FATAL_ERROR "/usr/include/${_d} is missing: apt-get install libfmt-dev nlohmann-json3-dev libcli11-dev")
  endif()
  if(NOT EXISTS ${_armcache_hdr}/${_d})
    file(MAKE_DIRECTORY ${_armcache_hdr})
    file(CREATE_LINK /usr/include/${_d} ${_armcache_hdr}/${_d} SYMBOLIC)
  endif()
endforeach()
# libfdt's three headers, from the extracted arm64 package.
if(ARMCACHE_AARCH64_SYSROOT)
  foreach(_h fdt.h libfdt.h libfdt_env.h)
    if(EXISTS ${ARMCACHE_AARCH64_SYSROOT}/usr/include/${_h} AND NOT EXISTS ${_armcache_hdr}/${_h})
      file(CREATE_LINK ${ARMCACHE_AARCH64_SYSROOT}/usr/include/${_h} ${_armcache_hdr}/${_h} SYMBOLIC)
    endif()
  endforeach()
endif()
# One package config: `target`, an interface library of those headers, and
# `package`_FOUND. A macro, so that _FOUND lands in find_package's scope.
macro(armcache_header_only_package target package)
  if(NOT TARGET ${target})
    add_library(${target} INTERFACE IMPORTED)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_armcache_hdr})
  endif()
  set(${package}_FOUND TRUE)
endmacro()
