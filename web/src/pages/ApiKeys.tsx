import { useEffect, useState } from "react";
import { type ApiKeyInfo, api, errorText } from "../api.ts";
import { Alert, Badge, Button, Card, ConfirmDialog, Empty, Loading, PageHeader, SecretBox, formatDateTime, TableWrap } from "../components/ui.tsx";

export function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKeyInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ id: string; apiKey: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = () =>
    api<ApiKeyInfo[]>("GET", "/api/v1/account/api-keys")
      .then((list) => setKeys(list.slice().reverse()))
      .catch((e: unknown) => setError(errorText(e)));
  useEffect(() => void load(), []);

  const issue = async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setIssued(await api<{ id: string; apiKey: string }>("POST", "/api/v1/account/api-keys"));
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    setBusy(true);
    setRevokeError(null);
    try {
      await api("DELETE", `/api/v1/account/api-keys/${revoking.id}`);
      if (issued?.id === revoking.id) setIssued(null);
      setNotice(`Key ${revoking.id} was revoked; it stopped working at once.`);
      setRevoking(null);
      await load();
    } catch (e) {
      setRevokeError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title="API keys"
        subtitle={
          <>
            For the management API: send <code>Authorization: Bearer &lt;key&gt;</code>. Rotate a key by issuing a new one, moving
            your scripts to it, then revoking the old one.
          </>
        }
        actions={
          <Button onClick={issue} busy={busy && !revoking} busyLabel="Issuing…">
            Issue a new key
          </Button>
        }
      />
      {error && <Alert>{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {issued && (
        <Alert kind="success" onDismiss={() => setIssued(null)}>
          <p>
            <strong>New key issued.</strong> Copy it now: for your security it will not be shown again.
          </p>
          <SecretBox label="New API key" value={issued.apiKey} testId="new-api-key" />
        </Alert>
      )}
      <Card title="Your keys">
        {!keys && !error && <Loading label="Loading your keys…" />}
        {keys && keys.length === 0 && <Empty title="No API keys." />}
        {keys && keys.length > 0 && (
          <TableWrap label="API keys">
            <table className="table" data-testid="api-keys">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.id}>
                    <td data-label="Key" className="mono">
                      pmbk_{k.id}_…
                    </td>
                    <td data-label="Created">{formatDateTime(k.createdAt)}</td>
                    <td data-label="Status">
                      {k.revokedAt ? <Badge tone="neutral">Revoked {formatDateTime(k.revokedAt)}</Badge> : <Badge tone="green">Active</Badge>}
                    </td>
                    <td className="cell-action">
                      {!k.revokedAt && (
                        <Button variant="ghost" small onClick={() => setRevoking(k)} aria-label={`Revoke key ${k.id}`}>
                          Revoke
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Card>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this API key?"
        confirmLabel="Revoke key"
        danger
        busy={busy}
        error={revokeError}
        onConfirm={revoke}
        onCancel={() => {
          setRevoking(null);
          setRevokeError(null);
        }}
      >
        <p>
          Anything using <code>pmbk_{revoking?.id}_…</code> stops working at once. Your portal session is not affected.
        </p>
      </ConfirmDialog>
    </>
  );
}
