using FluentValidation;

namespace UserAuth.Api.Common;

/// <summary>Rules for free text the service stores and shows back.</summary>
internal static class TextRules
{
    /// <summary>
    /// No control characters (NUL, newlines, tabs, ...): such a value is refused rather than stored as sent or silently
    /// trimmed. Null (not sent) passes.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> NoControlCharacters<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(v => v is null || !v.Any(char.IsControl)).WithMessage("must not contain control characters (such as NUL or a newline)");
}
