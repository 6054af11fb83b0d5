# What `cmake --install` puts where (docs/library.md lists the tree):
#   bin/armcache, lib/libarmcache.so.N (SONAME, only the API exported),
#   lib/libarmcache.a, include/armcache/, lib/pkgconfig/armcache.pc,
#   lib/cmake/armcache/ (imported targets armcache::armcache and
#   armcache::armcache_static), lib/armcache/libarmcache-vmm.so (the
#   interposer of vmm-exec), share/man/man1/, the bash completion.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_armcache_export_targets armcache)

if(ARMCACHE_SHARED)
  # The shared library links libfdt's .so even when the CLI takes its archive
  # (a non-PIC archive cannot go into a shared object).
  find_library(ARMCACHE_FDT_SHARED NAMES fdt libfdt.so.1 REQUIRED)
  add_library(armcache_shared SHARED ${ARMCACHE_OBJECTS})
  set_target_properties(armcache_shared PROPERTIES
    OUTPUT_NAME armcache
    EXPORT_NAME armcache
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}
    LINK_DEPENDS ${PROJECT_SOURCE_DIR}/src/libarmcache.map)
  target_include_directories(armcache_shared PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(armcache_shared PRIVATE $<BUILD_INTERFACE:armcache_fmt_headers> ${ARMCACHE_FDT_SHARED})
  target_link_libraries(armcache_shared PUBLIC nlohmann_json::nlohmann_json)
  # Only the C API and the documented C++ namespaces are exported; no
  # undefined symbol may be left for the program to supply.
  target_link_options(armcache_shared PRIVATE -Wl,--version-script=${PROJECT_SOURCE_DIR}/src/libarmcache.map
    -Wl,--no-undefined -Wl,--as-needed)
  list(APPEND _armcache_export_targets armcache_shared)
endif()

install(TARGETS armcache-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tool)
install(TARGETS ${_armcache_export_targets} EXPORT armcacheTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
# The LD_PRELOAD interposer of `armcache vmm-exec` is a plugin of the tool,
# not a library to link: it goes to LIBDIR/armcache, where vmm-exec looks
# (ARMCACHE_VMM_LIBDIR, compiled into the CLI).
if(TARGET armcache-vmm)
  install(TARGETS armcache-vmm LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/armcache COMPONENT tool)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/armcache DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/armcache/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/armcache COMPONENT dev)

# pkg-config: the C API needs only -larmcache; a static link also needs what
# the archive uses (libfdt, libstdc++; fmt's implementation is inside it).
set(ARMCACHE_PC_LIBS_PRIVATE "-lfdt -lstdc++ -lm")
configure_file(${PROJECT_SOURCE_DIR}/cmake/armcache.pc.in ${PROJECT_BINARY_DIR}/armcache.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/armcache.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# CMake package: find_package(armcache) then armcache::armcache (shared) or
# armcache::armcache_static.
set(ARMCACHE_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/armcache)
install(EXPORT armcacheTargets NAMESPACE armcache:: DESTINATION ${ARMCACHE_CMAKEDIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/armcacheConfig.cmake.in
  ${PROJECT_BINARY_DIR}/armcacheConfig.cmake INSTALL_DESTINATION ${ARMCACHE_CMAKEDIR})
# 0.x: a new minor version may break the API, so only the same minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/armcacheConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/armcacheConfig.cmake ${PROJECT_BINARY_DIR}/armcacheConfigVersion.cmake
  DESTINATION ${ARMCACHE_CMAKEDIR} COMPONENT dev)

# Man pages and bash completion are generated from the CLI's own --help
# (scripts/gen-man.py), so they say what the binary says. A cross build
# cannot run its CLI: ARMCACHE_HELP_BINARY names a native armcache of the
# same source instead.
set(ARMCACHE_HELP_BINARY "" CACHE FILEPATH "armcache to take --help from (default: the one built here)")
if(ARMCACHE_HELP_BINARY)
  set(_armcache_help ${ARMCACHE_HELP_BINARY})
  set(_armcache_help_dep "")
elseif(NOT CMAKE_CROSSCOMPILING)
  set(_armcache_help $<TARGET_FILE:armcache-cli>)
  set(_armcache_help_dep armcache-cli)
endif()
if(DEFINED _armcache_help)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(_armcache_man_dir ${PROJECT_BINARY_DIR}/man)
  add_custom_command(OUTPUT ${_armcache_man_dir}/stamp
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/gen-man.py ${_armcache_help} ${_armcache_man_dir}
      --version ${PROJECT_VERSION} --docdir ${CMAKE_INSTALL_FULL_DOCDIR}
    COMMAND ${CMAKE_COMMAND} -E touch ${_armcache_man_dir}/stamp
    DEPENDS ${_armcache_help_dep} ${PROJECT_SOURCE_DIR}/scripts/gen-man.py
    COMMENT "man pages and bash completion from armcache --help")
  add_custom_target(armcache-man ALL DEPENDS ${_armcache_man_dir}/stamp)
  install(DIRECTORY ${_armcache_man_dir}/man1 DESTINATION ${CMAKE_INSTALL_MANDIR} COMPONENT tool)
  install(FILES ${_armcache_man_dir}/completion/armcache
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT tool)
endif()

install(FILES ${PROJECT_SOURCE_DIR}/docs/library.md ${PROJECT_SOURCE_DIR}/docs/profile-format.md
  ${PROJECT_SOURCE_DIR}/docs/profile.schema.json ${PROJECT_SOURCE_DIR}/docs/fleet-labels.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT tool)
install(FILES ${PROJECT_SOURCE_DIR}/examples/vmm-apply.c DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT dev)
