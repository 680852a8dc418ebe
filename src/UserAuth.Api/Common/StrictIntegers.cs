using System.Globalization;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace UserAuth.Api.Common;

/// <summary>
/// Whole numbers in the query string and the path are decimal digits with an optional leading minus, nothing else.
/// MVC's default converter also reads <c>0x10</c> as 16 and accepts surrounding blanks; a value the client did not
/// mean is refused (400 naming the parameter) instead of being read as something else.
/// </summary>
internal sealed class StrictIntegerBinderProvider : IModelBinderProvider
{
    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        var type = Nullable.GetUnderlyingType(context.Metadata.ModelType) ?? context.Metadata.ModelType;
        return type == typeof(int) || type == typeof(long) ? new StrictIntegerBinder(type) : null;
    }
}

internal sealed class StrictIntegerBinder(Type type) : IModelBinder
{
    public Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var value = bindingContext.ValueProvider.GetValue(bindingContext.ModelName);
        if (value == ValueProviderResult.None)
        {
            return Task.CompletedTask;
        }

        bindingContext.ModelState.SetModelValue(bindingContext.ModelName, value);
        var text = value.FirstValue;
        if (string.IsNullOrEmpty(text) && bindingContext.ModelMetadata.IsReferenceOrNullableType)
        {
            bindingContext.Result = ModelBindingResult.Success(null);
            return Task.CompletedTask;
        }

        if (IsDecimal(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) &&
            (type == typeof(long) || number is >= int.MinValue and <= int.MaxValue))
        {
            bindingContext.Result = ModelBindingResult.Success(type == typeof(long) ? number : (object)(int)number);
            return Task.CompletedTask;
        }

        bindingContext.ModelState.TryAddModelError(bindingContext.ModelName, "must be a whole number written in decimal digits");
        return Task.CompletedTask;
    }

    private static bool IsDecimal(string? text) =>
        text is { Length: > 0 and <= 20 } &&
        (text[0] == '-' ? text.Length > 1 && text.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0
            : text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0);
}
