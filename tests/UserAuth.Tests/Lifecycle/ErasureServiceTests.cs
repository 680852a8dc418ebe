using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Lifecycle;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Lifecycle;

/// <summary>
/// The erasure run against each real store, at a clock the test fixes: what it blanks, what it records, what it
/// reports, and that a user another writer changed after the run found it is left as that writer left it. The run only
/// sees this test's application (the store's due query spans every application), so its counts are exact.
/// </summary>
public abstract class ErasureServiceTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private Tenant Tenant => new("1001", app);

    private IUserStore Store => fixture.Services.GetRequiredService<IUserStore>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The run's now: to the millisecond, as the stores keep it, and a little in the past of real time.</summary>
    private static readonly DateTime Now = DateTime.UnixEpoch.AddMilliseconds(
        (long)(DateTime.UtcNow.AddMinutes(-5) - DateTime.UnixEpoch).TotalMilliseconds);

    [Fact]
    public async Task Erasure_blanks_every_personal_field_and_records_when_at_the_end_of_the_window_to_the_millisecond()
    {
        var id = await DeletedUserAsync(reason: "moving abroad, call me on 9811111111");
        // Due exactly now: the window has ended at this very millisecond.
        await ChangeAsync(id, u =>
        {
            u.Dob = new DateTime(1990, 5, 17, 0, 0, 0, DateTimeKind.Utc);
            u.ExternalId = "ext-" + id;
            u.RrId = "rr-" + id;
            u.ProfilePicUrl = "https://cdn.example.com/" + id + ".png";
            u.DeleteOn = Now;
        });
        var before = await TimelineOfAsync(id);
        Assert.Contains(before, e => e.SubTitle is not null);

        var logs = new ListLogger();
        Assert.Equal(1, await Service(logs).EraseDueAsync(Ct));

        var erased = await LoadAsync(id);
        Assert.Equal(UserState.Erased, erased.State);
        Assert.Equal("erased_" + id, erased.Username);
        Assert.Null(erased.FirstName);
        Assert.Null(erased.LastName);
        Assert.Null(erased.Gender);
        Assert.Null(erased.Dob);
        Assert.Null(erased.ExternalId);
        Assert.Null(erased.RrId);
        Assert.Null(erased.ProfilePicUrl);
        using (var meta = JsonDocument.Parse(erased.Meta!))
        {
            Assert.Equal(JsonValueKind.Object, meta.RootElement.ValueKind);
            Assert.Empty(meta.RootElement.EnumerateObject());
        }

        Assert.Empty(erased.Emails);
        Assert.Empty(erased.PhoneNumbers);
        Assert.False(erased.Active);
        // What the customer wrote (reasons) goes too; the events themselves stay, with the erasure last.
        var timeline = await TimelineOfAsync(id);
        Assert.Equal(before.Count + 1, timeline.Count);
        Assert.All(timeline, e => Assert.Null(e.SubTitle));
        var last = Assert.Single(timeline, e => e.Type == "erased");
        Assert.Equal("erased", last.Type);
        Assert.Equal("Personal data erased", last.Title);
        Assert.Equal(Now, last.Date);
        Assert.Equal(["Erased the personal data of 1 deleted users"], logs.Messages);
    }

    [Fact]
    public async Task A_run_with_nothing_due_erases_nothing_logs_nothing_and_reports_an_empty_queue()
    {
        var id = await DeletedUserAsync();
        await ChangeAsync(id, u => u.DeleteOn = Now.AddMilliseconds(1)); // one millisecond left

        var logs = new ListLogger();
        using var queue = new QueueGauge();
        Assert.Equal(0, await Service(logs, queue.Metrics).EraseDueAsync(Ct));

        Assert.Equal(UserState.Deleted, (await LoadAsync(id)).State);
        Assert.Empty(logs.Messages);
        Assert.Equal((0L, 0d), queue.Read());
    }

    [Fact]
    public async Task The_erasure_queue_reports_how_many_are_due_and_how_long_the_longest_due_has_waited()
    {
        var longest = await DeletedUserAsync();
        await ChangeAsync(longest, u => u.DeleteOn = Now.AddDays(-10));
        var recent = await DeletedUserAsync();
        await ChangeAsync(recent, u => u.DeleteOn = Now.AddMinutes(-1));

        using var queue = new QueueGauge();
        Assert.Equal(2, await Service(new ListLogger(), queue.Metrics).EraseDueAsync(Ct));

        Assert.Equal((2L, TimeSpan.FromDays(10).TotalSeconds), queue.Read());
    }

    [Fact]
    public async Task A_user_restored_after_the_run_found_it_due_is_left_live_and_not_counted()
    {
        var id = await DeletedUserAsync();
        await ChangeAsync(id, u => u.DeleteOn = Now.AddMinutes(-1));
        // Another writer wins between the run's query and its write: the run's copy is stale, its write loses, and on
        // reading the user again it finds a live user.
        var restored = 0;
        var racing = Narrowed(async () =>
        {
            await ChangeAsync(id, u =>
            {
                u.State = UserState.Live;
                u.DeleteOn = null;
                u.DeletedAt = null;
            });
            restored = (await LoadAsync(id)).Version;
        });

        var logs = new ListLogger();
        Assert.Equal(0, await Service(logs, store: racing).EraseDueAsync(Ct));

        var user = await LoadAsync(id);
        Assert.Equal(UserState.Live, user.State);
        Assert.Equal(restored, user.Version); // not written again
        Assert.NotNull(user.FirstName);
        Assert.DoesNotContain(await TimelineOfAsync(id), e => e.Type == "erased");
        Assert.Empty(logs.Messages);
    }

    [Fact]
    public async Task A_user_erased_by_another_instance_meanwhile_is_skipped_without_error()
    {
        var id = await DeletedUserAsync();
        await ChangeAsync(id, u => u.DeleteOn = Now.AddMinutes(-1));
        var racing = Narrowed(async () =>
            Assert.Equal(1, await Service(new ListLogger()).EraseDueAsync(Ct)));

        Assert.Equal(0, await Service(new ListLogger(), store: racing).EraseDueAsync(Ct));

        var user = await LoadAsync(id);
        Assert.Equal(UserState.Erased, user.State);
        Assert.Single(await TimelineOfAsync(id), e => e.Type == "erased");
    }

    /// <summary>A run over this test's application only, at <see cref="Now"/>.</summary>
    private ErasureService Service(ListLogger logs, ServiceMetrics? metrics = null, IUserStore? store = null) =>
        new(store ?? Narrowed(null), fixture.Services.GetRequiredService<UserService>(), new FixedClock(Now),
            Options.Create(new ErasureOptions()), metrics ?? fixture.Services.GetRequiredService<ServiceMetrics>(),
            fixture.Services.GetRequiredService<AuditService>(), fixture.Services.GetRequiredService<TimelineEventWriter>(), logs);

    /// <summary>
    /// The real store, with the due query narrowed to this test's application and, once, another writer's change
    /// (<paramref name="meanwhile"/>) run after the query and before the run writes.
    /// </summary>
    private IUserStore Narrowed(Func<Task>? meanwhile)
    {
        var store = Store;
        return RacingStore.Answering(store, nameof(IUserStore.FindDeletedDueAsync),
            args => DueAsync((DateTime)args[0]!, (int)args[1]!, (CancellationToken)args[2]!));

        async Task<IReadOnlyList<User>> DueAsync(DateTime now, int limit, CancellationToken cancellationToken)
        {
            var due = (await store.FindDeletedDueAsync(now, 10_000, cancellationToken))
                .Where(u => u.ApplicationId == app).Take(limit).ToList();
            if (meanwhile is { } change)
            {
                meanwhile = null;
                await change();
            }

            return due;
        }
    }

    /// <summary>The user's timeline as getUserTimeline builds it (events live in the audit store).</summary>
    private async Task<IReadOnlyList<TimelineEvent>> TimelineOfAsync(string id) =>
        await fixture.Services.GetRequiredService<AuditService>().TimelineAsync(Tenant, await LoadAsync(id), Ct);

    /// <summary>A user created over HTTP with a phone, an email, names and meta, then deleted over HTTP.</summary>
    private async Task<string> DeletedUserAsync(string reason = "bye")
    {
        var http = await fixture.ClientAsync();
        var body = Build.User(email: $"{Build.Username()}@example.com");
        var user = (await http.PostJsonAsync($"{Http.App(app)}/customers", body)).GetProperty("user");
        var id = user.GetProperty("_id").GetString()!;
        await (await http.DeleteAsync($"{Http.App(app)}/customers/{id}?reason={Uri.EscapeDataString(reason)}")).ExpectAsync(HttpStatusCode.OK);
        return id;
    }

    private async Task<User> LoadAsync(string id) => (await Store.FindByIdAsync(Tenant, id, Ct))!;

    private async Task ChangeAsync(string id, Action<User> change)
    {
        var user = await LoadAsync(id);
        var version = user.Version;
        change(user);
        user.Version++;
        Assert.True(await Store.ReplaceAsync(user, version, Ct));
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }

    /// <summary>Information messages, rendered.</summary>
    private sealed class ListLogger : ILogger<ErasureService>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) => Messages.Add(formatter(state, exception));
    }

    /// <summary>The erasure queue's gauges of a <see cref="ServiceMetrics"/> of its own.</summary>
    private sealed class QueueGauge : IDisposable
    {
        private readonly ServiceProvider provider = new ServiceCollection().AddMetrics().BuildServiceProvider();

        public QueueGauge() => Metrics = new ServiceMetrics(provider.GetRequiredService<IMeterFactory>());

        public ServiceMetrics Metrics { get; }

        public (long Depth, double OldestAgeSeconds) Read()
        {
            var factory = provider.GetRequiredService<IMeterFactory>();
            long depth = -1;
            double age = -1;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "userauth.jobs.queue.depth" && IsErasure(tags))
                {
                    depth = value;
                }
            });
            listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                if (instrument.Name == "userauth.jobs.queue.oldest_age" && IsErasure(tags))
                {
                    age = value;
                }
            });
            listener.Start();
            listener.RecordObservableInstruments();
            return (depth, age);
        }

        private static bool IsErasure(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "queue", Value: "erasure" })
                {
                    return true;
                }
            }

            return false;
        }

        public void Dispose() => provider.Dispose();
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteErasureServiceTests(SqliteApiFixture fixture) : ErasureServiceTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoErasureServiceTests(MongoApiFixture fixture) : ErasureServiceTests(fixture);
