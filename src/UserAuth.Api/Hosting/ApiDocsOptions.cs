namespace UserAuth.Api.Hosting;

/// <summary>Swagger UI and the OpenAPI document (section <c>Swagger</c>).</summary>
internal sealed class ApiDocsOptions
{
    public const string Section = "Swagger";

    /// <summary>Serve Swagger UI and the OpenAPI document (without a token). Unset: on in Development (and the test
    /// host), off elsewhere.</summary>
    public bool? Enabled { get; set; }
}
