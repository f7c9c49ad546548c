# membound_configure_target(<target>): warnings (and -Werror when MEMBOUND_WERROR) applied PRIVATE,
# so consumers of membound never inherit our flags (leveldb#1002).
function(membound_configure_target target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
      -Wold-style-cast -Wcast-align -Woverloaded-virtual)
    if(MEMBOUND_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
