# noc/ benchmarks: speed of the mesh model and the latency-throughput curve.
foreach(b noc_speed noc_curve)
  add_executable(bench_${b} ${CMAKE_CURRENT_LIST_DIR}/${b}.c)
  target_link_libraries(bench_${b} PRIVATE tessera_noc tessera_cli)
endforeach()
