import type { TurnContext } from 'botbuilder';

/** Who sent the activity, from the activity envelope Teams signs — never from text or card data. */
export interface Actor {
  aadObjectId: string | null;
  teamsUserId: string;
  name: string;
}

export interface TurnInfo {
  activityId: string | null;
  /** For a card button press: the card message it was pressed on. */
  replyToId: string | null;
  conversationId: string;
  conversationType: 'personal' | 'channel' | 'groupChat' | string;
  tenantId: string | null;
  serviceUrl: string;
  locale: string | null;
  /** IANA zone from the Teams client's clientInfo entity, when present. */
  timezone: string | null;
}

export function actorOf(context: TurnContext): Actor {
  const from = context.activity.from ?? ({} as { id?: string; name?: string; aadObjectId?: string });
  return {
    aadObjectId: typeof from.aadObjectId === 'string' && from.aadObjectId !== '' ? from.aadObjectId.toLowerCase() : null,
    teamsUserId: typeof from.id === 'string' ? from.id : '',
    name: typeof from.name === 'string' ? from.name : '',
  };
}

export function turnInfoOf(context: TurnContext): TurnInfo {
  const a = context.activity;
  const channelData = (a.channelData ?? {}) as { tenant?: { id?: string } };
  const clientInfo = (a.entities ?? []).find((e) => e.type === 'clientInfo') as { timezone?: string; locale?: string } | undefined;
  return {
    activityId: a.id ?? null,
    replyToId: a.replyToId ?? null,
    conversationId: a.conversation?.id ?? '',
    conversationType: a.conversation?.conversationType ?? 'personal',
    tenantId: (channelData.tenant?.id ?? a.conversation?.tenantId ?? null)?.toLowerCase() ?? null,
    serviceUrl: a.serviceUrl ?? '',
    locale: a.locale ?? clientInfo?.locale ?? null,
    timezone: clientInfo?.timezone ?? null,
  };
}
