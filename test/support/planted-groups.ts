/** Label of each planted group: groups 0-1 are botnet, 2-3 normal and 4-5 background traffic. */
export const PLANTED_GROUP_LABELS = [
  'flow=From-Botnet-V42-UDP-DNS',
  'flow=From-Botnet-V42-TCP-CC',
  'flow=From-Normal-V42-Grill',
  'flow=From-Normal-V42-Jist',
  'flow=Background-UDP-Established',
  'flow=Background-TCP-Attempt',
];

/** Source address of host `host` (0..3) of group `group`. */
export function plantedSource(group: number, host: number): string {
  return `10.${group}.0.${host + 1}`;
}

/** Destination address of destination `destination` (0..5) of group `group`. */
export function plantedDestination(group: number, destination: number): string {
  return `192.0.${group}.${destination + 1}`;
}

/** Destination port and protocol of a group's flows. */
export function plantedService(group: number): { dport: string; proto: string } {
  return group % 2 === 0 ? { dport: '53', proto: 'udp' } : { dport: '443', proto: 'tcp' };
}

/**
 * A binetflow capture with planted structure: 6 groups of 4 hosts and 6 destinations each. Flows come in bursts of 30,
 * each burst inside one group (groups in turn), so a count-mode sentence of 30 flows contains one group's tokens only.
 * A token (source, destination, port, protocol) never crosses groups, which gives 144 tokens in 6 label-pure groups.
 */
export function plantedGroupCapture(bursts: number): string {
  const lines = ['StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label'];
  const start = Date.UTC(2011, 7, 16, 10, 0, 0);
  let flow = 0;
  for (let burst = 0; burst < bursts; burst++) {
    const group = burst % PLANTED_GROUP_LABELS.length;
    const { dport, proto } = plantedService(group);
    for (let i = 0; i < 30; i++, flow++) {
      // The burst offset shifts the destinations, so a group's bursts together cover all 24 host-destination pairs.
      const host = i % 4;
      const destination = (Math.floor(i / 4) + burst) % 6;
      const time = new Date(start + flow * 100).toISOString().replace('T', ' ').replace('Z', '').replaceAll('-', '/');
      lines.push(
        `${time},0.1,${proto},${plantedSource(group, host)},${40000 + (flow % 1000)},  <->,` +
          `${plantedDestination(group, destination)},${dport},CON,0,0,2,200,100,${PLANTED_GROUP_LABELS[group]}`,
      );
    }
  }

  return `${lines.join('\n')}\n`;
}
