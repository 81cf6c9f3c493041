# The project's small CMake vocabulary (see shared/STYLE.md §12):
#   tributary_library(<name> SOURCES … [DEPS …] [PUBLIC_DEPS …])  -> target tributary_<name>, alias tributary::<name>
#   tributary_test(<name> SOURCES … [DEPS …])                      -> GoogleTest executable registered with CTest
#   tributary_connector(<name> SOURCES … [DEPS …] PLUGINS <fn>…)   -> a built-in connector (defined in connectors/CMakeLists.txt)
#   tributary_fuzzer(<name> SOURCES … [DEPS …] [CORPUS dir])       -> libFuzzer target (TRIBUTARY_FUZZ) and a corpus replay test

set(TRIBUTARY_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

# Under TRIBUTARY_FUZZ every object is built with coverage instrumentation (fuzzer-no-link), so
# libFuzzer is guided by the code it fuzzes and not only by the fuzz entry point.
if(TRIBUTARY_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(TRIBUTARY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(tributary_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(tributary_${name} STATIC ${ARG_SOURCES})
  add_library(tributary::${name} ALIAS tributary_${name})
  target_include_directories(tributary_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>)
  target_compile_options(tributary_${name} PRIVATE ${TRIBUTARY_WARNINGS})
  target_link_libraries(tributary_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS})
  set_target_properties(tributary_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

function(tributary_test name)
  if(NOT TRIBUTARY_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_compile_options(${name} PRIVATE ${TRIBUTARY_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    TRIBUTARY_SOURCE_DIR="${PROJECT_SOURCE_DIR}" TRIBUTARY_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

# A fuzzer is always built as a corpus-replay test (plain main over every file in CORPUS), and as a
# libFuzzer binary <name>_fuzz when TRIBUTARY_FUZZ is on. The fuzz source defines LLVMFuzzerTestOneInput.
function(tributary_fuzzer name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(TRIBUTARY_BUILD_TESTS)
    add_executable(${name}_replay ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS})
    add_test(NAME ${name}_corpus COMMAND ${name}_replay ${ARG_CORPUS})
  endif()
  if(TRIBUTARY_FUZZ)
    add_executable(${name}_fuzz ${ARG_SOURCES})
    target_include_directories(${name}_fuzz PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name}_fuzz PRIVATE ${ARG_DEPS})
  endif()
endfunction()
