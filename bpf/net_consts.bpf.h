/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* net_consts.bpf.h - protocol numbers the parser needs; the uapi headers
 * define most, the missing ones are taken from include/uapi/linux/in6.h and
 * include/uapi/linux/if_ether.h. */
#ifndef KF_NET_CONSTS_BPF_H
#define KF_NET_CONSTS_BPF_H

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define KF_IP_MF 0x2000
#define KF_IP_OFFMASK 0x1fff
#define KF_IP6_OFFMASK 0xfff8 /* ipv6 fragment header: offset in 8-byte units << 3 */
#define KF_IP6_MF 0x0001

#define KF_TCP_FIN 0x01
#define KF_TCP_SYN 0x02
#define KF_TCP_RST 0x04
#define KF_TCP_PSH 0x08
#define KF_TCP_ACK 0x10
#define KF_TCP_URG 0x20
#define KF_TCP_FLAGS6 0x3f

#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

#define KF_ICMP_ECHOREPLY 0
#define KF_ICMP_ECHO 8
#define KF_ICMP6_ECHO 128
#define KF_ICMP6_ECHOREPLY 129

/* IPv6 extension headers the parser walks (include/uapi/linux/in6.h). */
#define KF_IP6_HOPOPTS 0
#define KF_IP6_ROUTING 43
#define KF_IP6_FRAGMENT 44
#define KF_IP6_AH 51
#define KF_IP6_DSTOPTS 60
#define KF_IP6_MH 135

#define KF_EEXIST 17 /* include/uapi/asm-generic/errno-base.h */
#define KF_E2BIG 7

#define KF_ETH_MIN_TAGGED 64 /* minimum frame with one 802.1Q tag, no FCS */

#define KF_MAX_VLANS 2
/* Extension headers walked: more would multiply the verifier's paths past
 * its limit; real packets carry two or three. */
#define KF_MAX_IP6_EXT 4

#endif /* KF_NET_CONSTS_BPF_H */
