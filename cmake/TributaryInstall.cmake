# `make install PREFIX=<dir>`: bin/tributary and the public headers (include/tributary/runtime/api).
include(GNUInstallDirs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/api/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tributary/runtime/api
        FILES_MATCHING PATTERN "*.h")
