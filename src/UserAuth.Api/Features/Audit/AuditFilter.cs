using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Audit;

/// <summary>
/// Records every write of the platform API that succeeded (<see cref="WriteActions"/>, 2xx), as one MVC action filter:
/// who (the token's client), what (method, operation, resource ids from the route, the body and the answer), when,
/// from where (the request id) and which fields the body sent, with the values of personal, free-text and secret
/// fields masked. Company-wide writes (the company's API clients, scope client:admin) are recorded the same way, under
/// the application id <see cref="AuditEntry.CompanyWide"/>. A write that concerns users gets one record per user. An
/// Idempotency-Key replay runs no action and records nothing. The record is written ahead of the write (status 0; on SQLite in the same transaction as the
/// action's first write, see <see cref="IAuditStore.WriteAheadAsync"/>) and completed after the action, before the
/// answer is sent. A failed write records nothing, except the users a write on several users had already changed when
/// it failed (<see cref="ChangedFields.ReportFor"/>): their records stay, with the failure's status.
/// </summary>
internal sealed class AuditFilter(AuditService audit, IOptions<AuditOptions> options, TimeProvider clock) : IAsyncActionFilter
{
    /// <summary>
    /// Fields whose values are never kept: personal data (names, identifiers, contact, attribute values), free text a
    /// customer may have written (reasons), secrets and device data. A field is masked when its name or any name under
    /// it is one of these.
    /// </summary>
    private static readonly HashSet<string> MaskedFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "username", "first_name", "last_name", "email", "emails", "phone", "phone_number", "phone_numbers", "mobile",
        "dob", "gender", "profile_pic_url", "external_id", "rr_id", "meta", "value", "values", "attributes",
        "user_data", "reason", "cookie", "ip", "user_agent", "app_secret", "secret", "client_secret", "password",
        "social_tokens", "file_url", "url", "delete_account_consent", "consent_text",
    };

    private static readonly HashSet<string> NotResources = new(StringComparer.Ordinal)
    {
        "company_id", "application_id", "action", "controller",
    };

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var http = context.HttpContext;
        var action = context.ActionDescriptor as ControllerActionDescriptor;
        if (!options.Value.Enabled || RecordedApplication(context, action) is not { } application ||
            context.RouteData.Values["company_id"] is not string company)
        {
            await next();
            return;
        }

        var body = BodyOf(context);
        var clientId = http.User.FindFirst(TokenClaims.ClientId)?.Value ?? "unknown";
        var operation = OperationOf(action!);
        var tenant = new Tenant(company, application);
        var changes = Changes(body, options.Value.MaxValueLength);
        var resources = new List<AuditResource>();
        var users = new List<string>();
        RequestIds(context, action!, body, resources, users);

        // Written ahead of the write (status 0): SQLite commits it with the action's first write, MongoDB stores it
        // before; either way no write is acknowledged without its record. A failure here fails the request.
        var pending = Entries(tenant, users, resources, changes, clientId, operation, http, status: 0);
        var ahead = await audit.WriteAheadAsync(pending, http.RequestAborted);
        ActionExecutedContext executed;
        using var changed = ChangedFields.Begin();
        using (ahead.Enter())
        {
            executed = await next();
        }

        var status = executed.Result switch
        {
            ObjectResult { StatusCode: { } code } => code,
            Microsoft.AspNetCore.Mvc.Infrastructure.IStatusCodeActionResult { StatusCode: { } code } => code,
            _ => StatusCodes.Status200OK,
        };
        if (executed.Exception is not null && !executed.ExceptionHandled)
        {
            status = executed.Exception is ApiException refused ? refused.StatusCode : StatusCodes.Status500InternalServerError;
        }

        if ((executed.Exception is not null && !executed.ExceptionHandled) || status is < 200 or >= 300)
        {
            // A failed write wrote nothing and records nothing, unless its service reported users it had already
            // written for (a write on several users that failed part-way): their parts are in the store, so their
            // records stay, with the failure's status.
            var written = users.Where(u => changed.ReportedUsers.TryGetValue(u, out var part) && part.Wrote).ToList();
            if (written.Count == 0)
            {
                await audit.AbandonAsync(ahead, pending);
                return;
            }

            await audit.CompleteAsync(ahead, pending, PerUser(Entries(tenant, written, resources, changes, clientId, operation, http, status), changed));
            return;
        }

        if (executed.Result is ObjectResult { Value: { } answer })
        {
            AddAnswerIds(ToJson(answer), resources, users);
        }

        // A service that compared old and new values named what changed: the record keeps only those of the fields sent.
        if (changed.Reported is { } reported)
        {
            changes = changes.Where(c => reported.Contains(c.Field)).ToList();
        }

        var entries = PerUser(Entries(tenant, users, resources, changes, clientId, operation, http, status), changed);
        await audit.CompleteAsync(ahead, pending, entries);
    }

    /// <summary>
    /// The application a write is recorded under: the route's for a write of an application, or
    /// <see cref="AuditEntry.CompanyWide"/> for a company-wide write (the company's API clients); null when the request
    /// is no write the trail records.
    /// </summary>
    private static string? RecordedApplication(ActionExecutingContext context, ControllerActionDescriptor? action)
    {
        var method = context.HttpContext.Request.Method;
        return context.RouteData.Values["application_id"] switch
        {
            string application when Ids.IsValid(application) && WriteActions.IsWrite(method, action) => application.ToLowerInvariant(),
            null when WriteActions.IsCompanyWrite(method, action) => AuditEntry.CompanyWide,
            _ => null,
        };
    }

    /// <summary>A user the service reported on (<see cref="ChangedFields.ReportFor"/>) keeps only the fields changed for them.</summary>
    private static List<AuditEntry> PerUser(List<AuditEntry> entries, ChangedFields changed)
    {
        foreach (var entry in entries)
        {
            if (changed.ReportedUsers.TryGetValue(entry.UserId, out var part))
            {
                entry.Changes = entry.Changes.Where(c => part.Fields.Contains(c.Field)).ToList();
            }
        }

        return entries;
    }

    /// <summary>The ids a request names before it runs: route values, the body's <c>user_id</c>, the query's user.</summary>
    private static void RequestIds(ActionExecutingContext context, ControllerActionDescriptor action, JsonElement body,
        List<AuditResource> resources, List<string> users)
    {
        foreach (var (name, value) in context.RouteData.Values)
        {
            if (!NotResources.Contains(name) && value is string id)
            {
                Add(resources, users, name, id);
            }
        }

        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("user_id", out var bodyUsers))
        {
            foreach (var id in Strings(bodyUsers))
            {
                Add(resources, users, "user_id", id);
            }
        }

        // createApiClient may name the new client in its body.
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("client_id", out var client) &&
            client.ValueKind == JsonValueKind.String)
        {
            Add(resources, users, "client_id", client.GetString()!);
        }

        // The sessions routes name their user in the query string (id).
        foreach (var (name, value) in context.HttpContext.Request.Query)
        {
            if (name == "user_id" || (name == "id" && action.AttributeRouteInfo?.Template?.Contains("customers/session", StringComparison.Ordinal) == true))
            {
                foreach (var id in value.Where(v => v is not null))
                {
                    Add(resources, users, "user_id", id!);
                }
            }
        }
    }

    /// <summary>One record per user the write concerns (one record when it concerns none).</summary>
    private List<AuditEntry> Entries(Tenant tenant, List<string> users, List<AuditResource> resources, List<AuditChange> changes,
        string clientId, string operation, HttpContext http, int status)
    {
        var now = clock.UtcNowMs();
        return (users.Count == 0 ? [""] : users).Select(user => new AuditEntry
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Kind = AuditKinds.Request,
            UserId = user,
            At = now,
            ClientId = clientId,
            Method = http.Request.Method,
            Operation = operation,
            RequestId = http.TraceIdentifier,
            Status = status,
            Resources = [.. resources],
            Changes = changes,
        }).ToList();
    }

    /// <summary>The [FromBody] argument as the wire sent it (snake_case), or Undefined.</summary>
    private static JsonElement BodyOf(ActionExecutingContext context)
    {
        foreach (var parameter in context.ActionDescriptor.Parameters)
        {
            if (parameter.BindingInfo?.BindingSource == BindingSource.Body &&
                context.ActionArguments.TryGetValue(parameter.Name, out var value) && value is not null)
            {
                return ToJson(value);
            }
        }

        return default;
    }

    /// <summary>
    /// A bound value as the wire spells it; Undefined when it cannot be written back (a body with a member the binder
    /// left unset, such as a JsonElement of an absent field): the record then names the fields of nothing.
    /// </summary>
    private static JsonElement ToJson(object value)
    {
        try
        {
            return JsonSerializer.SerializeToElement(value, value.GetType(), JsonDefaults.Options);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or JsonException)
        {
            return default;
        }
    }

    /// <summary>The fields a body sent (not null), each with its value or, for personal and secret fields, masked.</summary>
    private static List<AuditChange> Changes(JsonElement body, int maxLength)
    {
        var changes = new List<AuditChange>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return changes;
        }

        foreach (var property in body.EnumerateObject())
        {
            if (property.Value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            var value = IsMasked(property.Name, property.Value) ? AuditEntry.Masked
                : property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()!
                : property.Value.GetRawText();
            changes.Add(new AuditChange(property.Name, value.Length > maxLength ? value[..(maxLength - 1)] + "…" : value));
        }

        return changes;
    }

    private static bool IsMasked(string name, JsonElement value) =>
        MaskedFields.Contains(name) || value.ValueKind switch
        {
            JsonValueKind.Object => value.EnumerateObject().Any(p => IsMasked(p.Name, p.Value)),
            JsonValueKind.Array => value.EnumerateArray().Any(item => IsMasked("", item)),
            _ => false,
        };

    private static IEnumerable<string> Strings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!),
        _ => [],
    };

    /// <summary>Ids in the answer: its <c>_id</c> / <c>uid</c>, a created user's id (<c>user._id</c>), a client's (<c>client.client_id</c>).</summary>
    private static void AddAnswerIds(JsonElement answer, List<AuditResource> resources, List<string> users)
    {
        if (answer.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (answer.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object &&
            user.TryGetProperty("_id", out var userId) && userId.ValueKind == JsonValueKind.String)
        {
            Add(resources, users, "user_id", userId.GetString()!);
        }

        // A created API client (createApiClient, rotateApiClientSecret): its id only, never the secret beside it.
        if (answer.TryGetProperty("client", out var client) && client.ValueKind == JsonValueKind.Object &&
            client.TryGetProperty("client_id", out var clientId) && clientId.ValueKind == JsonValueKind.String)
        {
            Add(resources, users, "client_id", clientId.GetString()!);
        }

        if (answer.TryGetProperty("_id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            Add(resources, users, "_id", id.GetString()!);
        }

        if (answer.TryGetProperty("uid", out var uid) && uid.ValueKind == JsonValueKind.Number)
        {
            Add(resources, users, "uid", uid.GetRawText());
        }
    }

    private static void Add(List<AuditResource> resources, List<string> users, string name, string id)
    {
        if (id.Length == 0 || id.Length > 64)
        {
            return;
        }

        var resource = new AuditResource(name, name.EndsWith("_id", StringComparison.Ordinal) && Ids.IsValid(id) ? id.ToLowerInvariant() : id);
        if (!resources.Contains(resource))
        {
            resources.Add(resource);
        }

        if (name == "user_id" && Ids.IsValid(id) && !users.Contains(id.ToLowerInvariant()))
        {
            users.Add(id.ToLowerInvariant());
        }
    }

    /// <summary>The operation's name: its endpoint name when it has one, else the action's name in camelCase.</summary>
    private static string OperationOf(ControllerActionDescriptor action) =>
        action.EndpointMetadata.OfType<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>().FirstOrDefault()?.EndpointName
        ?? JsonNamingPolicy.CamelCase.ConvertName(action.ActionName);
}
