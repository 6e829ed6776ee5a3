/**
 * External records of the Store port: the one Slack message, Jira issue or ServiceNow change
 * request a request has per provider (updated in place by later events), and the replay guard of
 * signed chat interactions.
 */

/** The record a provider holds for one request. */
export interface NotificationRecord {
  approvalId: string;
  /** `slack`, `jira` or `servicenow`. */
  provider: string;
  /** Slack message ts, Jira issue key, ServiceNow sys_id. */
  key: string;
  /** Slack: the channel id the message is in; null elsewhere. */
  channel: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RecordReader {
  /** The records of a request, by provider name. */
  listNotificationRecords(approvalId: string): Promise<NotificationRecord[]>;
}

export interface RecordTx {
  /**
   * Stores the record of (approvalId, provider) unless one exists. True when stored; false,
   * changing nothing, when the request already has a record with this provider.
   */
  saveNotificationRecord(record: NotificationRecord): Promise<boolean>;
  /** Marks the record updated now (a later event reached it). */
  touchNotificationRecord(approvalId: string, provider: string, atIso: string): Promise<void>;
  /**
   * Remembers a signature seen at `atIso` and forgets those seen before `forgetBeforeIso`. True
   * when it is new; false when it was already seen (a replay).
   */
  rememberSignature(signature: string, atIso: string, forgetBeforeIso: string): Promise<boolean>;
}
