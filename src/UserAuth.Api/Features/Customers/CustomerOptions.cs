namespace UserAuth.Api.Features.Customers;

internal sealed class CustomerOptions
{
    public const string Section = "Customers";

    /// <summary>ISO region used for phone numbers written without a country code.</summary>
    public string DefaultPhoneRegion { get; set; } = "IN";
}
