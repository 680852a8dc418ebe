using System.Globalization;
using System.Text.Json;
using FluentValidation;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Api.Features.BulkJobs;

internal static class BulkJobValidators
{
    public static readonly IReadOnlyList<string> ExportStatuses = ["active", "blocked", "deleted", "archived"];

    public static bool IsFormat(string? format) =>
        format is not null && JobFileFormat.All.Contains(format.Trim().ToLowerInvariant());

    /// <summary><c>csv</c> or <c>xlsx</c> from a file name's extension, or null.</summary>
    public static string? FormatOfName(string? name)
    {
        var extension = Path.GetExtension(name ?? "").TrimStart('.').ToLowerInvariant();
        return JobFileFormat.All.Contains(extension) ? extension : null;
    }

    /// <summary>
    /// An ISO-8601 date (<c>2024-05-01</c>: its start, or its end with <paramref name="endOfDay"/>) or instant, in UTC;
    /// null when blank; throws a 400 naming the field when unreadable (validators run first, so that is unexpected).
    /// </summary>
    public static DateTime? ParseDate(string? value, bool endOfDay)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day))
        {
            return endOfDay ? day.AddDays(1).AddMilliseconds(-1) : day;
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? DateTime.SpecifyKind(instant, DateTimeKind.Utc)
            : throw new ValidationFailedException("date", "must be an ISO-8601 date or date-time");
    }

    public static bool IsDate(string? value)
    {
        try
        {
            ParseDate(value, false);
            return true;
        }
        catch (ValidationFailedException)
        {
            return false;
        }
    }
}

internal sealed class CreateStoreFrontUsersPayloadValidator : AbstractValidator<CreateStoreFrontUsersPayload>
{
    public CreateStoreFrontUsersPayloadValidator()
    {
        RuleFor(x => x.FileFormat).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(BulkJobValidators.IsFormat).WithMessage("must be csv or xlsx");
        RuleFor(x => x.AbsoluteUrl).MaximumLength(2048);
        RuleFor(x => x.RelativeUrl).MaximumLength(2048);
        RuleFor(x => x.AbsoluteUrl)
            .Must((x, _) => !string.IsNullOrWhiteSpace(x.AbsoluteUrl) || !string.IsNullOrWhiteSpace(x.RelativeUrl))
            .WithMessage("give absolute_url or relative_url");
    }
}

internal sealed class BulkUserExportSchemaValidator : AbstractValidator<BulkUserExportSchema>
{
    public BulkUserExportSchemaValidator()
    {
        RuleFor(x => x.FileFormat).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(BulkJobValidators.IsFormat).WithMessage("must be csv or xlsx");
        RuleFor(x => x.Search).MaximumLength(254);
        RuleFor(x => x.Status)
            .Must(s => string.IsNullOrWhiteSpace(s) || BulkJobValidators.ExportStatuses.Contains(s.Trim().ToLowerInvariant()))
            .WithMessage($"must be one of {string.Join(", ", BulkJobValidators.ExportStatuses)}");
        RuleFor(x => x.CreatedTo)
            .Must((x, to) => x.CreatedFrom is null || to is null || x.CreatedFrom <= to)
            .WithMessage("must not be before created_from");
        RuleFor(x => x.GroupId).GreaterThan(0).When(x => x.GroupId is not null);
        RuleFor(x => x.AttributeFilter!.Type)
            .Must(t => t is null || t.Trim().ToLowerInvariant() is "and" or "or").WithMessage("must be and or or")
            .OverridePropertyName("attribute_filter.type")
            .When(x => x.AttributeFilter is not null);
        RuleFor(x => x.AttributeFilter!.Conditions).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("give at least one condition")
            .Must(c => c!.Count <= AttributeConditions.MaxConditions).WithMessage($"at most {AttributeConditions.MaxConditions} conditions")
            .OverridePropertyName("attribute_filter.conditions")
            .When(x => x.AttributeFilter is not null);
        RuleForEach(x => x.AttributeFilter!.Conditions).ChildRules(c =>
        {
            c.RuleFor(x => x.DefinitionId).Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
            c.RuleFor(x => x.Type).Must(t => t is not null && AttributeConditions.Operators.Contains(t))
                .WithMessage($"must be one of {string.Join(" ", AttributeConditions.Operators)}");
            c.RuleFor(x => x.Value).Must(v => v.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
                .WithMessage("is required");
        }).OverridePropertyName("attribute_filter.conditions").When(x => x.AttributeFilter?.Conditions is not null);
    }
}

internal sealed class BulkImportUploadFormValidator : AbstractValidator<BulkImportUploadForm>
{
    public BulkImportUploadFormValidator()
    {
        RuleFor(x => x.File).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("is required (a multipart form field named file)")
            .Must(f => f!.Length > 0).WithMessage("must not be empty");
        RuleFor(x => x.FileFormat)
            .Must(f => string.IsNullOrWhiteSpace(f) || BulkJobValidators.IsFormat(f)).WithMessage("must be csv or xlsx");
        RuleFor(x => x.FileFormat)
            .Must((x, f) => !string.IsNullOrWhiteSpace(f) || BulkJobValidators.FormatOfName(x.File?.FileName) is not null)
            .WithMessage("is required when the file's name does not end with .csv or .xlsx")
            .When(x => x.File is not null);
    }
}

internal sealed class BulkJobListQueryValidator : AbstractValidator<BulkJobListQuery>
{
    public BulkJobListQueryValidator()
    {
        Include(new PagedQueryValidator());
        RuleFor(x => x.Status)
            .Must(s => string.IsNullOrWhiteSpace(s) || JobStatus.All.Contains(s.Trim().ToLowerInvariant()))
            .WithMessage($"must be one of {string.Join(", ", JobStatus.All)}");
        RuleFor(x => x.FileFormat)
            .Must(f => string.IsNullOrWhiteSpace(f) || BulkJobValidators.IsFormat(f)).WithMessage("must be csv or xlsx");
        RuleFor(x => x.StartDate).Must(BulkJobValidators.IsDate).WithMessage("must be an ISO-8601 date or date-time");
        RuleFor(x => x.EndDate).Must(BulkJobValidators.IsDate).WithMessage("must be an ISO-8601 date or date-time");
        RuleFor(x => x.Search).MaximumLength(200);
    }
}
