#ifndef CLINUXSHIMS_H
#define CLINUXSHIMS_H
// System headers Glibc's Swift module does not export (epoll, eventfd, getrandom), with tiny
// wrappers so Swift never handles the packed `struct epoll_event` or the CMSG_* macros of a
// control message itself.
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <sys/random.h>
#include <malloc.h>
#include <string.h>

static inline int ds4_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/// Caps glibc's malloc arenas (M_ARENA_MAX).
static inline int ds4_limit_malloc_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

/// Fills `buffer` from the kernel CSPRNG; returns the byte count or -1.
static inline long ds4_getrandom(void *buffer, unsigned long length) { return getrandom(buffer, length, 0); }

static inline int ds4_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

static inline void ds4_eventfd_signal(int fd) { uint64_t one = 1; ssize_t n = write(fd, &one, sizeof one); (void)n; }

static inline void ds4_eventfd_drain(int fd) { uint64_t value; ssize_t n = read(fd, &value, sizeof value); (void)n; }

static inline int ds4_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}

/// Waits for up to `max` (at most 256) events; copies each event's data and mask out.
static inline int ds4_epoll_wait(int epfd, uint64_t *datas, uint32_t *masks, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        datas[i] = events[i].data.u64;
        masks[i] = events[i].events;
    }
    return n;
}
/// The last `c` in `s[0..<n]` (glibc's vectorised memrchr; a GNU extension the Swift
/// Glibc module does not expose). NULL when there is none.
void *memrchr(const void *s, int c, size_t n);
static inline const void *ds4_memrchr(const void *s, int c, size_t n) {
    return memrchr(s, c, n);
}
#include <sys/socket.h>
#include <time.h>

/// Asks the kernel to stamp received data (SO_TIMESTAMPNS, CLOCK_REALTIME). 0 or -1.
static inline int ds4_enable_receive_timestamps(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

/// One recvmsg(2) into `buffer`; `*stamp_ns` gets the kernel's receive time (CLOCK_REALTIME
/// ns) of the newest segment read, or 0 when none came with it. Returns what recvmsg returns.
static inline long ds4_recv_stamped(int fd, void *buffer, unsigned long length, int64_t *stamp_ns) {
    struct iovec iov = { buffer, length };
    union { char bytes[CMSG_SPACE(sizeof(struct timespec))]; struct cmsghdr align; } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof control.bytes;
    *stamp_ns = 0;
    long n = (long)recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n <= 0) return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            *stamp_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
    }
    return n;
}
#endif
