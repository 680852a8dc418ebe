using Microsoft.Data.Sqlite;

namespace UserAuth.Tests.Infrastructure;

/// <summary>
/// Walks an embedded store and lists every inconsistency between what one write is meant to keep together: users
/// and their identity keys, the per-application counts and the rows they count, sessions that could still verify for
/// users who cannot sign in, group members of groups that do not exist, group uids beyond their counter, job queue
/// entries and bulk jobs whose counts do not add up, and SQLite's own integrity check. Empty means consistent.
/// </summary>
public static class StoreChecker
{
    private static readonly (string What, string Sql)[] Checks =
    [
        ("integrity_check is not ok", "SELECT integrity_check FROM pragma_integrity_check WHERE integrity_check != 'ok';"),
        ("a user key whose user does not exist (or is another application's)", """
            SELECT k.key || ' -> ' || k.user_id FROM user_keys k LEFT JOIN users u ON u.id = k.user_id
            WHERE u.id IS NULL OR u.company_id != k.company_id OR u.application_id != k.application_id;
            """),
        ("a key a user holds that user_keys does not have", """
            SELECT u.id || ' ' || j.value FROM users u, json_each(u.doc, '$.identity_keys') j
            WHERE NOT EXISTS (SELECT 1 FROM user_keys k WHERE k.company_id = u.company_id AND k.application_id = u.application_id
                              AND k.key = j.value AND k.user_id = u.id);
            """),
        ("a user_keys row its user does not hold", """
            SELECT k.user_id || ' ' || k.key FROM user_keys k JOIN users u ON u.id = k.user_id
            WHERE NOT EXISTS (SELECT 1 FROM json_each(u.doc, '$.identity_keys') j WHERE j.value = k.key);
            """),
        ("a live or deleted user without its username key", """
            SELECT u.id FROM users u WHERE u.state IN ('live', 'deleted')
            AND NOT EXISTS (SELECT 1 FROM user_keys k WHERE k.user_id = u.id AND k.key = 'u:' || u.username_lc);
            """),
        ("a users column that disagrees with the stored document", """
            SELECT id FROM users WHERE state != json_extract(doc, '$.state') OR version != json_extract(doc, '$.version')
            OR username_lc != json_extract(doc, '$.username_lc');
            """),
        ("user_counts that do not match the rows", """
            SELECT c.company_id || '/' || c.application_id FROM user_counts c
            LEFT JOIN (SELECT company_id, application_id, SUM(state = 'live') AS live, SUM(state = 'archived') AS archived,
                              SUM(state = 'deleted') AS deleted, SUM(state = 'erased') AS erased
                       FROM users GROUP BY company_id, application_id) a
              ON a.company_id = c.company_id AND a.application_id = c.application_id
            WHERE c.live != COALESCE(a.live, 0) OR c.archived != COALESCE(a.archived, 0)
               OR c.deleted != COALESCE(a.deleted, 0) OR c.erased != COALESCE(a.erased, 0);
            """),
        ("user_counts paused after the import batch that paused it ended (user_counts_paused holds a row)", """
            SELECT id FROM user_counts_paused;
            """),
        ("an application with users but no user_counts row", """
            SELECT DISTINCT u.company_id || '/' || u.application_id FROM users u
            WHERE NOT EXISTS (SELECT 1 FROM user_counts c WHERE c.company_id = u.company_id AND c.application_id = u.application_id);
            """),
        ("a session that still verifies for a user who cannot sign in (or does not exist)", """
            SELECT s.id FROM user_sessions s LEFT JOIN users u ON u.id = s.user_id
            WHERE s.revoked_at IS NULL AND s.expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
              AND (u.id IS NULL OR (s.user_epoch = json_extract(u.doc, '$.session_epoch')
                                    AND NOT (u.state = 'live' AND json_extract(u.doc, '$.active') = 1)));
            """),
        ("a group's live-member count that does not match its members", """
            SELECT m.company_id || '/' || m.application_id || '/' || m.group_uid FROM (
                SELECT company_id, application_id, group_uid FROM user_group_members
                UNION SELECT company_id, application_id, group_uid FROM user_group_live_counts) m
            WHERE COALESCE((SELECT c.live FROM user_group_live_counts c WHERE c.company_id = m.company_id
                              AND c.application_id = m.application_id AND c.group_uid = m.group_uid), 0)
               != (SELECT COUNT(*) FROM user_group_members g JOIN users u ON u.id = g.user_id AND u.state = 'live'
                   WHERE g.company_id = m.company_id AND g.application_id = m.application_id AND g.group_uid = m.group_uid);
            """),
        ("a group member of a group that does not exist", """
            SELECT m.group_uid || ' ' || m.user_id FROM user_group_members m
            WHERE NOT EXISTS (SELECT 1 FROM user_groups g WHERE g.company_id = m.company_id AND g.application_id = m.application_id
                              AND g.uid = m.group_uid);
            """),
        ("a group uid beyond its application's counter", """
            SELECT g.id FROM user_groups g LEFT JOIN user_group_counters c ON c.company_id = g.company_id AND c.application_id = g.application_id
            WHERE c.last_uid IS NULL OR g.uid > c.last_uid;
            """),
        ("a job queue entry with impossible counters", "SELECT id FROM job_queue WHERE attempts < 0 OR checkpoint < 0;"),
        ("a group job queued for a group that does not exist", """
            SELECT q.id FROM job_queue q WHERE q.kind = 'user_group'
            AND NOT EXISTS (SELECT 1 FROM user_groups g WHERE g.id = q.subject_id);
            """),
        ("a bulk job whose counts do not add up", """
            SELECT id FROM bulk_jobs
            WHERE json_extract(doc, '$.success') + json_extract(doc, '$.error') > json_extract(doc, '$.total')
               OR (status IN ('completed', 'partially_completed') AND action_type = 'import'
                   AND json_extract(doc, '$.success') + json_extract(doc, '$.error') != json_extract(doc, '$.total'));
            """),
    ];

    /// <summary>Every inconsistency found in the SQLite database at <paramref name="path"/>, as readable lines.</summary>
    public static async Task<IReadOnlyList<string>> CheckSqliteAsync(string path)
    {
        var problems = new List<string>();
        await using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var tables = new HashSet<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table';";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var (what, sql) in Checks)
        {
            if (!TablesOf(sql).All(tables.Contains))
            {
                continue;
            }

            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            var found = 0;
            while (await reader.ReadAsync() && found++ < 20)
            {
                problems.Add($"{what}: {reader.GetValue(0)}");
            }
        }

        return problems;
    }

    private static IEnumerable<string> TablesOf(string sql) =>
        new[] { "users", "user_keys", "user_counts", "user_counts_paused", "user_sessions", "user_groups", "user_group_members", "user_group_live_counts", "user_group_counters", "job_queue", "bulk_jobs" }
            .Where(t => System.Text.RegularExpressions.Regex.IsMatch(sql, $@"\b{t}\b"));
}
