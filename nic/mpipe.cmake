# nic/mpipe.cmake: the NIC model library (included by the top-level
# CMakeLists.txt): Ethernet ports and cables, the mPIPE-like device and its
# driver calls, the switch, pcap writer/reader/replay and the captures of
# named ports, a frame generator.
# (nic/CMakeLists.txt holds the TAP bridge, which is a separate library.)
add_library(tessera_mpipe STATIC
  ${CMAKE_CURRENT_LIST_DIR}/nic_config.c
  ${CMAKE_CURRENT_LIST_DIR}/eth.c
  ${CMAKE_CURRENT_LIST_DIR}/eth_pkt.c
  ${CMAKE_CURRENT_LIST_DIR}/eth_gen.c
  ${CMAKE_CURRENT_LIST_DIR}/mpipe.c
  ${CMAKE_CURRENT_LIST_DIR}/mpipe_rss.c
  ${CMAKE_CURRENT_LIST_DIR}/mpipe_driver.c
  ${CMAKE_CURRENT_LIST_DIR}/switch.c
  ${CMAKE_CURRENT_LIST_DIR}/switch_topology.c
  ${CMAKE_CURRENT_LIST_DIR}/pcap.c
  ${CMAKE_CURRENT_LIST_DIR}/capture.c
  ${CMAKE_CURRENT_LIST_DIR}/pcap_replay.c)
target_link_libraries(tessera_mpipe PUBLIC tessera_sim)

# The device on a simulated chip: DMA through the chip's regions and caches,
# the IO-TLB, and the tile_nic_* driver calls of tile code (nic/chip_nic.h).
# With it, the "nic-echo" experiment kind (nic/nic_echo_exp.h), which runs the
# echo tile program (workloads/tile/echo_tile.c, instrumented tile code).
if(TARGET tessera_echo_tile)
  add_library(tessera_chip_nic STATIC ${CMAKE_CURRENT_LIST_DIR}/chip_nic.c
    ${CMAKE_CURRENT_LIST_DIR}/nic_echo_exp.c $<TARGET_OBJECTS:tessera_echo_tile>)
else()
  add_library(tessera_chip_nic STATIC ${CMAKE_CURRENT_LIST_DIR}/chip_nic.c)
endif()
target_link_libraries(tessera_chip_nic PUBLIC tessera_mpipe tessera_tile)

# Client hosts: the stack (stack/, native build) on a host core behind a port.
if(TARGET tessera_stack)
  add_library(tessera_client_host STATIC ${CMAKE_CURRENT_LIST_DIR}/client_host.c)
  target_link_libraries(tessera_client_host PUBLIC tessera_mpipe tessera_tile tessera_stack)
endif()
