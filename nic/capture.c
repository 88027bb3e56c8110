/* nic/capture.c: pcap captures of named ports. See capture.h. */
#include "nic/capture.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/kernel/json.h"

int capture_ports_open(struct eth_port *const *ports, size_t n, const char *spec, const char *dir,
                       struct pcap_writer **writers, char *err, size_t errlen) {
    for (size_t i = 0; i < n; i++) writers[i] = NULL;
    if (!spec || !*spec) return 0;
    bool *want = calloc(n ? n : 1, sizeof *want);
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!want || !names) {
        free(want);
        free(names);
        snprintf(err, errlen, "nic.pcap_ports: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) names[i] = ports[i]->name;
    int opened = 0;
    if (!nic_pcap_ports_select(spec, names, n, want, err, errlen)) opened = -1;
    for (size_t i = 0; i < n && opened >= 0; i++) {
        if (!want[i]) continue;
        char path[1024], e2[512];
        snprintf(path, sizeof path, "%s/%s.pcap", dir, ports[i]->name);
        writers[i] = pcap_writer_open(path, 0, e2, sizeof e2);
        if (!writers[i]) {
            snprintf(err, errlen, "nic.pcap_ports: %s", e2);
            capture_ports_close(ports, i, writers, NULL, e2, sizeof e2);
            opened = -1;
            break;
        }
        eth_port_set_pcap(ports[i], writers[i]);
        opened++;
    }
    free(want);
    free(names);
    return opened;
}

bool capture_ports_close(struct eth_port *const *ports, size_t n, struct pcap_writer **writers,
                         struct capture_record *rec, char *err, size_t errlen) {
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (rec)
            rec[i] =
                (struct capture_record){writers[i] != NULL, writers[i] ? writers[i]->records : 0};
        if (!writers[i]) continue;
        eth_port_set_pcap(ports[i], NULL);
        char e2[512];
        if (!pcap_writer_close(writers[i], e2, sizeof e2) && ok) {
            snprintf(err, errlen, "nic.pcap_ports: %s", e2);
            ok = false;
        }
        writers[i] = NULL;
    }
    return ok;
}

void capture_write_json(struct eth_port *const *ports, size_t n, const struct capture_record *rec,
                        struct json_writer *w) {
    json_key(w, "pcap_files");
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        if (!rec[i].opened) continue;
        char file[sizeof ports[i]->name + 8];
        snprintf(file, sizeof file, "%s.pcap", ports[i]->name);
        json_object_begin(w);
        json_kv_string(w, "port", ports[i]->name);
        json_kv_string(w, "file", file);
        json_kv_uint(w, "frames", rec[i].frames);
        json_object_end(w);
    }
    json_array_end(w);
}
