# Fails when the stack library defines any variable in a writable section
# (STYLE.md principle 1). Invoked with -DNM=<nm> -DOBJDUMP=<objdump>
# -DLIB=<libtessera_stack.a>, after every build and as a test.
#
# nm's letters (B b D d C S s) would also flag `static const` tables of
# pointers, which the compiler places in .data.rel.ro (read-only after
# relocation) and nm reports as 'd'; so the section is read from objdump's
# symbol table, and nm is used for common symbols (no section).
execute_process(COMMAND ${OBJDUMP} -t ${LIB}
  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objdump failed on ${LIB}: ${err}")
endif()
execute_process(COMMAND ${NM} --defined-only ${LIB}
  OUTPUT_VARIABLE nmout RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(bad "")
foreach(line ${lines})
  # "<addr> <flags> <section>\t<size> <name>"
  if(line MATCHES "^[0-9a-fA-F]+ (.......) ([^ \t]+)[ \t]+[0-9a-fA-F]+ (.+)$")
    set(sect "${CMAKE_MATCH_2}")
    set(name "${CMAKE_MATCH_3}")
    if(NOT name STREQUAL sect AND sect MATCHES "^\\.(data|bss|tdata|tbss|sdata|sbss)" AND NOT sect MATCHES "^\\.data\\.rel\\.ro")
      # Sanitizer bookkeeping the compiler emits (UBSan type descriptors and
      # source locations, ASan globals metadata): not state of ours.
      if(NOT name MATCHES "^(__unnamed_[0-9]+|__asan.*|__ubsan.*|__sancov.*|__odr_asan.*|\\.L.*)$"
         AND NOT sect MATCHES "^(\\.data\\.rel\\.local\\.__unnamed|asan_globals)")
        list(APPEND bad "${sect} ${name}")
      endif()
    endif()
  endif()
endforeach()
string(REPLACE "\n" ";" nmlines "${nmout}")
foreach(line ${nmlines})
  if(line MATCHES "^[0-9a-fA-F]* +C +(.+)$")
    list(APPEND bad "COMMON ${CMAKE_MATCH_1}")
  endif()
endforeach()
if(bad)
  string(REPLACE ";" "\n  " badtxt "${bad}")
  message(FATAL_ERROR "stack/ has writable globals (STYLE.md 1):\n  ${badtxt}")
endif()
