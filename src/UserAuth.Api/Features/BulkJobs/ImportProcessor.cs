using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Runs an import: reads the file row by row, validates each row exactly like createUser (the same validator and the
/// same <see cref="UserService.NewUser"/>) and its <c>attribute.&lt;slug&gt;</c> cells exactly like updateUserAttribute
/// (<see cref="UserAttributeService.PrepareImported"/>), rejects duplicates inside the file and against stored users,
/// writes the valid rows in batches (the users, then their attribute values) and the rejected ones to the error file,
/// and checkpoints after every batch.
/// <para>
/// Exactly once: a row's user id is derived from the job id and the row's position, so a batch written again after a
/// crash finds its users already stored (and counts them, without writing them twice); the error file is cut back to
/// its checkpointed length; rows before the checkpoint are replayed through validation only, to rebuild the in-file
/// duplicate index.
/// </para>
/// </summary>
internal sealed class ImportProcessor(
    IUserStore users,
    IValidator<CreateUserRequestSchema> validator,
    Identifiers identifiers,
    AttributeDefinitionService definitions,
    UserAttributeService attributes,
    BulkFiles files,
    ImportSources sources,
    IOptions<BulkJobOptions> options,
    TimeProvider clock)
{
    private sealed record Row(long Index, long Number, string?[] Cells);

    public async Task RunAsync(JobRun run)
    {
        var job = run.Job;
        var token = run.Token;
        if (!job.HasFile)
        {
            if (job.SourceUrl is null)
            {
                throw new BulkJobFailedException("the job's file is not available");
            }

            await sources.DownloadAsync(job, token);
            await run.SaveAsync(j => j.HasFile = true);
        }

        var batchSize = options.Value.BatchSize;
        var maxRows = job.SourceUrl is null ? options.Value.MaxRows : Math.Min(options.Value.MaxRows, sources.MaxFetchedRows);
        using var reader = OpenReader(job);
        var known = (await definitions.ListAllAsync(run.Tenant, token)).ToDictionary(d => d.Slug, StringComparer.Ordinal);
        var (columns, attributeColumns) = MapHeader(reader.Header, known);
        var state = new ImportState(job, columns, attributeColumns, reader.Header.Count)
        {
            FileBytes = job.FileFormat == JobFileFormat.Csv ? new FileInfo(files.PathOf(job, JobFileKind.File)).Length : 0,
        };

        await using var errors = new CsvAppender(files.OpenAt(job, JobFileKind.Error, job.ErrorFileLength));
        if (job.ErrorFileLength == 0)
        {
            errors.Write(["row", .. reader.Header, "error"]);
        }

        var resumeAfter = job.RowsDone;
        var batch = new List<Row>(batchSize);
        var replay = new List<Row>(batchSize);
        var writing = Task.CompletedTask;
        long index = 0;
        try
        {
            while (reader.Read() is { } cells)
            {
                token.ThrowIfCancellationRequested();
                index++;
                if (index > maxRows)
                {
                    throw new BulkJobFailedException($"the file holds more than {maxRows} data rows");
                }

                var row = new Row(index, index + 1, cells);
                if (index <= resumeAfter)
                {
                    // Committed by an earlier run: only rebuild the in-file duplicate index.
                    replay.Add(row);
                    if (replay.Count == batchSize || index == resumeAfter)
                    {
                        Check(state, replay, run.Tenant, clock.UtcNowMs());
                        replay.Clear();
                    }

                    continue;
                }

                batch.Add(row);
                if (batch.Count == batchSize)
                {
                    // Pipelined: this batch is validated (on every core) while the previous one is written.
                    var checkedRows = Check(state, batch, run.Tenant, clock.UtcNowMs());
                    await writing;
                    writing = WriteBatchAsync(run, state, batch, checkedRows, errors);
                    batch = new List<Row>(batchSize);
                }
            }
        }
        catch
        {
            // Never leave a batch being written behind (it would checkpoint after this run ended, and append to the
            // error file while another run owns it): wait for it; the first failure is the one that counts.
            try
            {
                await writing;
            }
            catch (Exception) when (!writing.IsCompletedSuccessfully)
            {
                // Reported by the exception being rethrown below.
            }

            throw;
        }

        await writing;
        if (batch.Count > 0 || job.RowsDone == 0)
        {
            await WriteBatchAsync(run, state, batch, Check(state, batch, run.Tenant, clock.UtcNowMs()), errors);
        }
    }

    private IRowReader OpenReader(BulkJob job)
    {
        try
        {
            return RowReaders.Open(files.PathOf(job, JobFileKind.File), job.FileFormat);
        }
        catch (UnreadableFileException e)
        {
            throw new BulkJobFailedException(e.Message, e);
        }
        catch (IOException e)
        {
            throw new BulkJobFailedException("the job's file is no longer available", e);
        }
    }

    /// <summary>
    /// Index of each base column in the header, and each <c>attribute.&lt;slug&gt;</c> column's definition; a missing
    /// required column, an unknown one or an attribute no definition has fails the job.
    /// </summary>
    private static (Dictionary<string, int> Columns, List<(int Index, AttributeDefinition Definition)> Attributes) MapHeader(
        IReadOnlyList<string> header, Dictionary<string, AttributeDefinition> known)
    {
        if (header.Count == 0)
        {
            throw new BulkJobFailedException("the file is empty: the first row must name the columns");
        }

        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        var attributeColumns = new List<(int Index, AttributeDefinition Definition)>();
        var slugs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].ToLowerInvariant();
            if (name.StartsWith(UserColumns.AttributePrefix, StringComparison.Ordinal))
            {
                var slug = header[i][UserColumns.AttributePrefix.Length..];
                if (!known.TryGetValue(slug, out var definition))
                {
                    throw new BulkJobFailedException(
                        $"column '{header[i]}' names no attribute definition of this application (the slug is case-sensitive)");
                }

                if (!slugs.Add(slug))
                {
                    throw new BulkJobFailedException($"column '{header[i]}' appears twice");
                }

                attributeColumns.Add((i, definition));
                continue;
            }

            if (!UserColumns.Base.Contains(name))
            {
                throw new BulkJobFailedException(
                    $"column '{header[i]}' is not known; the columns are {string.Join(", ", UserColumns.Base)}");
            }

            if (!map.TryAdd(name, i))
            {
                throw new BulkJobFailedException($"column '{header[i]}' appears twice");
            }
        }

        var missing = UserColumns.Required.Where(r => !map.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            throw new BulkJobFailedException($"the header row lacks the required column(s) {string.Join(", ", missing)}");
        }

        return (map, attributeColumns);
    }

    /// <summary>State a run keeps across batches: the in-file duplicate index (64-bit hashes of identity keys → row).</summary>
    private sealed class ImportState(BulkJob job, Dictionary<string, int> columns,
        List<(int Index, AttributeDefinition Definition)> attributes, int width)
    {
        public Dictionary<string, int> Columns { get; } = columns;

        public List<(int Index, AttributeDefinition Definition)> Attributes { get; } = attributes;

        public string Actor { get; } = job.CreatedBy;

        public int Width { get; } = width;

        public Dictionary<ulong, long> Seen { get; } = [];

        /// <summary>The CSV file's length, to size <see cref="Seen"/> once from the first rows (0: not sized).</summary>
        public long FileBytes { get; set; }

        public byte[] IdPrefix { get; } = IdPrefixOf(job.Id);
    }

    /// <summary>
    /// Validates a row as a createUser request and its attribute cells as updateUserAttribute values, and builds its user
    /// and values; safe to run for many rows at once.
    /// </summary>
    private Checked Validate(ImportState state, Row row, Tenant tenant, DateTime now)
    {
        if (row.Cells.Length > state.Width && row.Cells.Skip(state.Width).Any(c => c is not null))
        {
            return new Checked(null, $"has {row.Cells.Length} cells; the header names {state.Width} columns");
        }

        string? Cell(string column) =>
            state.Columns.TryGetValue(column, out var i) && i < row.Cells.Length ? row.Cells[i]?.Trim() is { Length: > 0 } v ? v : null : null;

        var request = new CreateUserRequestSchema
        {
            Username = Cell(UserColumns.Username),
            FirstName = Cell(UserColumns.FirstName),
            LastName = Cell(UserColumns.LastName),
            Gender = Cell(UserColumns.Gender),
            Email = Cell(UserColumns.Email),
            PhoneNumber = Cell(UserColumns.PhoneNumber),
            ExternalId = Cell(UserColumns.ExternalId),
        };
        var result = validator.Validate(request);
        var reasons = result.IsValid ? null : result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}").ToList();
        var userId = RowUserId(state.IdPrefix, row.Index);
        List<UserAttribute>? values = null;
        foreach (var (index, definition) in state.Attributes)
        {
            if (index >= row.Cells.Length || row.Cells[index] is not { Length: > 0 } cell)
            {
                continue;
            }

            var column = AttributeCells.ColumnOf(definition.Slug);
            if (AttributeCells.FromCell(definition, cell, out var unreadable) is not { } value)
            {
                (reasons ??= []).Add($"{column}: attribute '{definition.Slug}' {unreadable}");
                continue;
            }

            try
            {
                (values ??= []).Add(attributes.PrepareImported(tenant, definition, userId, value, state.Actor, now, column));
            }
            catch (ValidationFailedException e)
            {
                (reasons ??= []).AddRange(e.Errors.Select(f => $"{f.Field}: {f.Reason}"));
            }
        }

        if (reasons is not null)
        {
            return new Checked(null, string.Join("; ", reasons));
        }

        var user = UserService.NewUser(tenant, request.ToCommand(identifiers), userId, now);
        return new Checked(user, null, values, [.. user.IdentityKeys]);
    }

    /// <summary>Checks a valid row against the rows before it (in file order) and records its identity keys.</summary>
    private static Checked Admit(ImportState state, Row row, Checked validated)
    {
        if (validated.User is null)
        {
            return validated;
        }

        foreach (var key in validated.Keys)
        {
            if (state.Seen.TryGetValue(Hash(key), out var first))
            {
                return new Checked(null, $"{Describe(key)} repeats row {first.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        foreach (var key in validated.Keys)
        {
            state.Seen[Hash(key)] = row.Number;
        }

        return validated;
    }

    /// <summary>Validates rows on every core, then admits them in file order.</summary>
    private Checked[] Check(ImportState state, List<Row> rows, Tenant tenant, DateTime now)
    {
        var validated = new Checked[rows.Count];
        Parallel.For(0, rows.Count, i => validated[i] = Validate(state, rows[i], tenant, now));
        Presize(state, rows, validated);
        for (var i = 0; i < rows.Count; i++)
        {
            validated[i] = Admit(state, rows[i], validated[i]);
        }

        return validated;
    }

    /// <summary>Checks a batch's valid rows against stored users, writes them, appends the rejected rows, checkpoints.</summary>
    private async Task WriteBatchAsync(JobRun run, ImportState state, List<Row> batch, Checked[] checkedRows,
        CsvAppender errors)
    {
        var job = run.Job;
        var rejected = new List<(Row Row, string Reason)>();
        var candidates = new List<(Row Row, User User, string[] Keys)>(batch.Count);
        var valuesOf = new Dictionary<string, List<UserAttribute>>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            if (checkedRows[i].User is { } user)
            {
                candidates.Add((batch[i], user, checkedRows[i].Keys));
                if (checkedRows[i].Values is { } values)
                {
                    valuesOf[user.Id] = values;
                }
            }
            else
            {
                rejected.Add((batch[i], checkedRows[i].Reason!));
            }
        }

        // Against stored users: a key held by another user rejects the row; held by the row's own id, the row was
        // written by an earlier run of this job (a batch retried after a crash).
        var keys = candidates.SelectMany(c => c.Keys).Distinct().ToList();
        var holders = keys.Count == 0 ? [] : await users.FindByKeysAsync(run.Tenant, keys, keys.Count, run.Token);
        var heldBy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var holder in holders)
        {
            foreach (var key in holder.IdentityKeys)
            {
                heldBy[key] = holder.Id;
            }
        }

        var toWrite = new List<User>(candidates.Count);
        var again = new List<User>();
        var written = new List<string>();
        long alreadyWritten = 0;
        foreach (var (row, user, userKeys) in candidates)
        {
            var taken = heldBy.Count == 0 ? null : userKeys.FirstOrDefault(k => heldBy.TryGetValue(k, out var id) && id != user.Id);
            if (taken is not null)
            {
                rejected.Add((row, $"{Describe(taken)} belongs to another user"));
            }
            else if (heldBy.Count > 0 && userKeys.Any(heldBy.ContainsKey))
            {
                // Written by an earlier run whose checkpoint was lost: its attribute values are written again (idempotent).
                alreadyWritten++;
                written.Add(user.Id);
                again.Add(user);
            }
            else
            {
                toWrite.Add(user);
            }
        }

        // A batch once begun is written whole, whatever the run's token says: a stop (SIGTERM) must not cut between the
        // users' insert and their count (MongoDB keeps the count apart), so the run stops at the next checkpoint. A run
        // whose lease was lost meanwhile writes rows the new owner recognises as its own (the ids are per row).
        // The users an earlier run wrote go to the store again with the rest: it leaves them as stored, and a store that
        // keeps its counts apart from the users (MongoDB) recounts the application on seeing them, since that run may
        // have died between the users and their count.
        if (!job.DryRun && (toWrite.Count > 0 || again.Count > 0))
        {
            var lost = (await users.InsertManyAsync([.. toWrite, .. again], CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
            if (lost.Count > 0)
            {
                foreach (var (row, _, _) in candidates.Where(c => lost.Contains(c.User.Id)))
                {
                    rejected.Add((row, "an identity of this row (username, email or phone number) was taken by another user meanwhile"));
                }
            }

            toWrite.RemoveAll(u => lost.Contains(u.Id));
        }

        if (!job.DryRun && valuesOf.Count > 0)
        {
            written.AddRange(toWrite.Select(u => u.Id));
            await attributes.WriteImportedAsync(run.Tenant,
                written.SelectMany(id => valuesOf.TryGetValue(id, out var values) ? values : []).ToList(), CancellationToken.None);
        }

        foreach (var (row, reason) in rejected.OrderBy(r => r.Row.Index))
        {
            errors.Write([row.Number.ToString(CultureInfo.InvariantCulture), .. row.Cells.Take(state.Width), .. Enumerable.Repeat<string?>(null, Math.Max(0, state.Width - row.Cells.Length)), reason]);
        }

        var errorLength = await errors.CommitAsync();
        var done = batch.Count == 0 ? job.RowsDone : batch[^1].Index;
        var success = toWrite.Count + alreadyWritten;
        await run.SaveAsync(j =>
        {
            j.RowsDone = done;
            j.Total = done;
            j.Success += success;
            j.Error += rejected.Count;
            j.ErrorFileLength = errorLength;
            j.HasErrorFile = j.Error > 0;
        });
    }

    /// <summary>
    /// Sizes the in-file duplicate index once, from the first rows: the file's length over their average length times
    /// their identity keys per row, so the index never grows (growing a dictionary of millions of entries briefly holds
    /// both the old and the new arrays: the largest part of an import's peak memory).
    /// </summary>
    private void Presize(ImportState state, List<Row> rows, Checked[] validated)
    {
        if (state.FileBytes <= 0 || rows.Count < 100)
        {
            return;
        }

        long chars = 0;
        foreach (var row in rows)
        {
            chars += row.Cells.Length + 1;
            foreach (var cell in row.Cells)
            {
                chars += cell?.Length ?? 0;
            }
        }

        var keys = validated.Sum(v => v.Keys.Length);
        var expectedRows = Math.Min(options.Value.MaxRows, state.FileBytes / Math.Max(1, chars / rows.Count));
        var capacity = (long)(expectedRows * Math.Max(1.0, (double)keys / rows.Count) * 1.05);
        state.Seen.EnsureCapacity((int)Math.Min(capacity, 30_000_000));
        state.FileBytes = 0;
    }

    /// <summary>A checked row: its user and attribute values, or why it is rejected.</summary>
    private readonly record struct Checked(User? User, string? Reason, List<UserAttribute>? Values = null, string[]? UserKeys = null)
    {
        /// <summary>The user's identity keys, derived once (<see cref="User.IdentityKeys"/> derives them at every read).</summary>
        public string[] Keys => UserKeys ?? [];
    }

    private static string Describe(string key) => IdentityKeys.KindOf(key) switch
    {
        "username" => "this username",
        "email" => "this email",
        _ => "this phone number",
    };

    private static ulong Hash(string key) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()));

    /// <summary>The first 8 bytes of a row's user id: the job's timestamp, then 4 bytes of a hash of the job id.</summary>
    private static byte[] IdPrefixOf(string jobId)
    {
        var prefix = new byte[8];
        Convert.FromHexString(jobId.AsSpan(0, 8)).CopyTo(prefix, 0);
        SHA256.HashData(Encoding.ASCII.GetBytes(jobId)).AsSpan(0, 4).CopyTo(prefix.AsSpan(4));
        return prefix;
    }

    /// <summary>The id of the user a row creates: the same on every run of the job, in row order.</summary>
    private static string RowUserId(byte[] prefix, long index)
    {
        Span<byte> id = stackalloc byte[12];
        prefix.CopyTo(id);
        BinaryPrimitives.WriteUInt32BigEndian(id[8..], (uint)index);
        return Convert.ToHexStringLower(id);
    }
}
